"""A store file from elsewhere (a bundle) looked at by SQLite alone, read-only, before it is
trusted enough to open as a store: no function a view or trigger names runs, and a malformed
page is an error, not a crash."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass
class UntrustedCheck:
    schema_version: int
    integrity: str  # "ok", or SQLite's first complaint


def check_untrusted(path: Path) -> UntrustedCheck:
    """The schema version and integrity of the store at `path`; sqlite3.DatabaseError when SQLite
    cannot read it at all."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        db.execute("PRAGMA trusted_schema=OFF")
        db.execute("PRAGMA cell_size_check=ON")
        return UntrustedCheck(
            db.execute("PRAGMA user_version").fetchone()[0], db.execute("PRAGMA integrity_check").fetchone()[0]
        )
    finally:
        db.close()

"""Running out of room, judged once for every writer (crawl, index, bundles): a write that
failed for want of space is something the user can fix, unlike a damaged file or a bug, and
is said in the same words whichever command ran out."""

from __future__ import annotations

import errno
import os
import resource
import sqlite3
from pathlib import Path
from typing import cast

# What ran out, and what the user can do about it.
NO_SPACE = {
    errno.ENOSPC: ("the device is full", "free some space"),
    errno.EFBIG: (
        "a file reached the largest size allowed (ulimit -f, or the file system's)",
        "raise the limit or free some space",
    ),
}


def out_of_space(error: BaseException) -> bool:
    """A write failed for want of room."""
    return isinstance(error, OSError) and error.errno in NO_SPACE


def no_space_sentence(path: Path, error: OSError, doing: str) -> str:
    """What a command says when `error` (one out_of_space accepts) stopped it: where, why, and
    what to do."""
    reason, remedy = NO_SPACE[cast(int, error.errno)]  # out_of_space found it among NO_SPACE's keys
    return f"No space left for {path} while {doing}: {reason}; {remedy} and run it again."


def no_space(error: sqlite3.Error, target: Path, needed: int) -> OSError | None:
    """The OSError behind SQLite's failure to write `needed` bytes to `target` for want of room,
    or None: SQLite reports a full device as SQLITE_FULL but a file-size limit only as a failed
    write."""
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if code == sqlite3.SQLITE_IOERR_WRITE and limit != resource.RLIM_INFINITY and needed > limit:
        return OSError(errno.EFBIG, os.strerror(errno.EFBIG), str(target))
    return None

"""One holder at a time, across processes: an flock on a file. The kernel lets go of it when
the holder dies, however it dies, so a killed process never blocks the next one; the file
keeps the holder's pid (and what it is doing) only to say who holds it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def acquire(self, note: str = "", fd: int | None = None) -> bool:
        """Take the lock (through `fd`, a descriptor of this file handed down by a parent, if
        given) if nobody else holds it; False at once if somebody does."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644) if fd is None else fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        text = f"{os.getpid()} {note}".strip().encode() + b"\n"
        os.pwrite(fd, text, 0)  # overwritten in place, so a reader never finds the file empty
        os.ftruncate(fd, len(text))
        self.fd = fd
        return True

    def holder(self) -> tuple[int | None, str]:
        """The pid and the note written by the last process that took the lock."""
        try:
            pid, _, note = self.path.read_text().strip().partition(" ")
        except FileNotFoundError:
            return None, ""
        return (int(pid) if pid.isdigit() else None), note

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

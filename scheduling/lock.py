"""One run of a job at a time, across processes: an flock on a file per job. The kernel
lets go of it when the holder dies, however it dies, so a killed run never blocks the next
one; the file keeps the holder's pid only to say who holds it."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class JobLock:
    def __init__(self, folder: Path, job: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{job}.lock"
        self.fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False (at once) if somebody does."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def holder(self) -> int | None:
        """The pid written by the last process that took the lock."""
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

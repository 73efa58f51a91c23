"""Errors a user can cause end in one sentence and a non-zero exit, never a traceback."""
from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# What ran out, and what the user can do about it.
NO_SPACE = {errno.ENOSPC: ("the device is full", "free some space"),
            errno.EFBIG: ("a file reached the largest size allowed (ulimit -f, or the file system's)",
                          "raise the limit or free some space")}


class UserError(Exception):
    """A mistake in what was asked (a missing file, a bad value); its text is shown as is."""


def out_of_space(error: BaseException) -> bool:
    """A write failed for want of room, which the user can fix, unlike a damaged file or a bug."""
    return isinstance(error, OSError) and error.errno in NO_SPACE


@contextmanager
def space_for(path: Path, doing: str) -> Iterator[None]:
    """A command writing under `path`: running out of room ends it in one sentence. What it
    half wrote is removed by the code that wrote it, as the exception passes through."""
    try:
        yield
    except OSError as error:
        if not out_of_space(error):
            raise
        reason, remedy = NO_SPACE[error.errno]
        raise UserError(f"No space left for {path} while {doing}: {reason}; {remedy} and run it again.") from None

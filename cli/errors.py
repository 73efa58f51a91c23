"""Errors a user can cause end in one sentence and a non-zero exit, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.space import no_space_sentence, out_of_space


class UserError(Exception):
    """A mistake in what was asked (a missing file, a bad value); its text is shown as is."""


@contextmanager
def space_for(path: Path, doing: str) -> Iterator[None]:
    """A command writing under `path`: running out of room ends it in one sentence. What it
    half wrote is removed by the code that wrote it, as the exception passes through."""
    try:
        yield
    except OSError as error:
        if not out_of_space(error):
            raise
        raise UserError(no_space_sentence(path, error, doing)) from None

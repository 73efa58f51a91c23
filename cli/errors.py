"""Errors a user can cause end in one sentence and a non-zero exit, never a traceback."""


class UserError(Exception):
    """A mistake in what was asked (a missing file, a bad value); its text is shown as is."""

"""The one form of every time the store keeps: UTC, ISO 8601 with microseconds and a Z, so
that stored times sort as text in time order. Both directions live here."""

from __future__ import annotations

from datetime import UTC, datetime

STORED_FORM = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc(moment: datetime) -> str:
    """`moment` (aware) as the store writes it."""
    return moment.astimezone(UTC).strftime(STORED_FORM)


def parse_utc(text: str) -> datetime:
    """A stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def utc_second_end(moment: datetime) -> str:
    """The latest stored time within `moment`'s second: a bound that takes in whatever was
    stored during the second a person typed."""
    return utc(moment.replace(microsecond=999999))

"""The shared frontier's serializer (scrapy-redis's SCHEDULER_SERIALIZER): requests kept in
Redis as JSON instead of pickles, so that whoever can write to Redis cannot make the workers
run code by planting an entry.

scrapy-redis hands `dumps` the dict of Request.to_dict() and gives `loads`'s dict to
request_from_dict(). Values JSON lacks (bytes such as the body and headers, tuples, datetimes,
dicts with keys other than strings) are written as {"$type": …} objects and read back as
they were; any other value is refused with a FrontierError, when written and when read. A
`_class` (a Request subclass, which request_from_dict would import by name) is refused too:
only plain Requests go to the frontier."""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import math
from datetime import datetime
from typing import Any

FORMAT = "newsarchive-request/1"
TYPE = "$type"
FIELDS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "method": (str,),
    "headers": (dict,),
    "body": (bytes,),
    "cookies": (dict, list),
    "meta": (dict,),
    "encoding": (str,),
    "flags": (list,),
    "cb_kwargs": (dict,),
    "callback": (str, type(None)),
    "errback": (str, type(None)),
    "dont_filter": (bool,),
    "priority": (int,),
}
NOT_A_REQUEST = "it is not a request in the frontier's JSON form (pickles are never loaded)"


class FrontierError(ValueError):
    """A request that cannot go to the frontier, or an entry of it that is not a request;
    the text says why in one sentence."""


def dumps(request: dict[str, Any]) -> bytes:
    """The frontier entry of `request` (Request.to_dict()'s output)."""
    try:
        checked(request)
        document = {"format": FORMAT, "request": encode(request, "the request")}
    except FrontierError as error:
        raise FrontierError(
            f"The request for {request.get('url')} cannot go to the shared frontier: {error}."
        ) from None
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def loads(data: bytes | str) -> dict[str, Any]:
    """The request dict of a frontier entry; anything else is refused, never evaluated."""
    try:
        document = json.loads(data.decode() if isinstance(data, bytes) else data)
    except ValueError:  # a pickle is not UTF-8, or not JSON
        raise FrontierError(NOT_A_REQUEST) from None
    if not (
        isinstance(document, dict)
        and document.keys() == {"format", "request"}
        and document["format"] == FORMAT
        and isinstance(document["request"], dict)
    ):
        raise FrontierError(NOT_A_REQUEST)
    try:
        return checked(decode(document["request"], "the request"))
    except FrontierError as error:
        raise FrontierError(f"it is not a request Scrapy can take: {error}") from None


def checked(request: dict[str, Any]) -> dict[str, Any]:
    """`request`, if request_from_dict can make a plain Request of it without failing on a
    field's type."""
    for field, value in request.items():
        if field not in FIELDS:
            raise FrontierError(f"{field} is not a field of a plain Scrapy request")
        if type(value) not in FIELDS[field]:
            raise FrontierError(f"its {field} is a {type(value).__name__}")
    if not isinstance(request.get("url"), str):
        raise FrontierError("it has no address")
    for name, values in request.get("headers", {}).items():
        if type(name) is not bytes or type(values) is not list or any(type(v) is not bytes for v in values):
            raise FrontierError("its headers are not names with lists of values, all bytes")
    try:
        codecs.lookup(request.get("encoding", "utf-8"))
    except LookupError:
        raise FrontierError(f"its encoding {request['encoding']!r} is unknown") from None
    return request


def encode(value: Any, where: str) -> Any:
    """`value` as JSON can hold it; `where` names it in an error."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        if not math.isfinite(value):
            raise FrontierError(f"{where} is {value}, which JSON cannot hold")
        return value
    if kind is list:
        return [encode(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if kind is tuple:
        return {TYPE: "tuple", "items": [encode(item, f"{where}[{index}]") for index, item in enumerate(value)]}
    if kind is bytes:
        return {TYPE: "bytes", "base64": base64.b64encode(value).decode("ascii")}
    if kind is datetime:
        return {TYPE: "datetime", "iso": value.isoformat()}
    if kind is dict:
        if all(type(key) is str for key in value) and TYPE not in value:
            return {key: encode(item, f"{where}[{key!r}]") for key, item in value.items()}
        return {
            TYPE: "dict",
            "items": [
                [encode(key, f"a key of {where}"), encode(item, f"{where}[{key!r}]")] for key, item in value.items()
            ],
        }
    raise FrontierError(f"{where} is a {kind.__module__}.{kind.__qualname__}, which has no JSON form here")


def decode(value: Any, where: str) -> Any:
    """What encode() made of a value, back as it was."""
    if isinstance(value, list):
        return [decode(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if TYPE not in value:
        return {key: decode(item, f"{where}[{key!r}]") for key, item in value.items()}
    kind = value[TYPE]
    try:
        if kind == "tuple" and value.keys() == {TYPE, "items"} and isinstance(value["items"], list):
            return tuple(decode(value["items"], where))
        if kind == "bytes" and value.keys() == {TYPE, "base64"} and isinstance(value["base64"], str):
            return base64.b64decode(value["base64"], validate=True)
        if kind == "datetime" and value.keys() == {TYPE, "iso"} and isinstance(value["iso"], str):
            return datetime.fromisoformat(value["iso"])
        if kind == "dict" and value.keys() == {TYPE, "items"} and isinstance(value["items"], list):
            return dict(decode(pair, f"{where}[{index}]") for index, pair in enumerate(value["items"]))
    except FrontierError:
        raise
    except (binascii.Error, TypeError, ValueError):  # bad base64 or date, a pair that is not two, a list as a key
        pass
    raise FrontierError(f"{where} is not a value in the frontier's JSON form")

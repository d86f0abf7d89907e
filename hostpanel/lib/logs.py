"""Log output: ``HOSTPANEL_LOG_FORMAT`` = ``text`` (one readable line) or ``json``.

In JSON each record is one object on one line::

    {"time": "2026-11-26T10:12:03.120Z", "level": "INFO", "logger": "mailcore.smtp",
     "message": "...", "event": "smtp.transaction", "outcome": "accepted", ...}

Every field a caller passes with ``extra={...}`` is in the object (the events
and their fields: README, "Logs"); an exception
is the ``exception`` field, its traceback as text. Formatting never raises: a
value JSON cannot hold is written as its ``str()`` (or ``repr()``).
"""

import dataclasses
import datetime
import enum
import json
import logging
import math
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
MAX_DEPTH = 6  # nested values below this are written as text (and cycles end here)

# The attributes every LogRecord has: anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}


def log_format(value: str) -> str:
    """``HOSTPANEL_LOG_FORMAT``'s value checked: ``text`` or ``json``, else a clear error."""
    name = (value or "text").strip().lower()
    if name not in FORMATS:
        raise ImproperlyConfigured(
            f'HOSTPANEL_LOG_FORMAT must be "text" or "json", not {value!r}')
    return name


def logging_formatters() -> dict:
    """The ``formatters`` of Django's LOGGING, one per format name."""
    return {"text": {"format": TEXT_FORMAT}, "json": {"()": "hostpanel.lib.logs.JsonFormatter"}}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key if key not in entry else f"extra.{key}"] = value
        if record.exc_info:
            entry["exception"] = self._guarded(self.formatException, record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self._guarded(self.formatStack, record.stack_info)
        try:
            return json.dumps(_plain(entry), allow_nan=False)
        except Exception:  # a value that broke even _plain (a failing __iter__...)
            return json.dumps({key: _text(value) for key, value in entry.items()})

    @staticmethod
    def _guarded(function, value) -> str:
        try:
            return function(value)
        except Exception:
            return _text(value)


def _utc(created: float) -> str:
    moment = datetime.datetime.fromtimestamp(created, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format string
        return f"{_text(record.msg)} {_text(record.args)}"


def _text(value) -> str:
    try:
        return str(value)
    except Exception:
        try:
            return repr(value)
        except Exception:
            return f"<unprintable {type(value).__name__}>"


def _plain(value, depth: int = 0):
    """``value`` as something ``json.dumps`` writes as is (str(), as a last resort)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum, a bool-like subclass: the number
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return _plain(value.value, depth + 1)
    if depth >= MAX_DEPTH:
        return _text(value)
    if isinstance(value, Mapping):
        return {_text(key) if not isinstance(key, str) else key: _plain(item, depth + 1)
                for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item, depth + 1) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name, None), depth + 1)
                for field in dataclasses.fields(value)}
    return _text(value)

"""Log records as JSON lines, with the request id and the Celery task they belong to, and with
national register numbers and secrets masked.

Wired in by ``LOGGING`` in settings (the web processes) and by `csam.observability.celery` (the
Celery worker and beat use the same configuration), and by the gunicorn configuration for
gunicorn's own messages. Nothing here needs Django's app registry, so gunicorn's master process
can use it before the application is loaded.

- `ContextFilter` adds ``request_id``, ``task_id`` and ``task_name`` to every record.
- `RedactingFilter` masks, in the message, the exception text and every extra field: anything
  shaped like a national register number (11 digits, with or without separators), bearer
  credentials and API keys, and the values of secret-looking fields (``password=...``,
  ``"token": ...``, an extra named ``authorization``, ...). It sits on the handler, so it sees
  every record that is written, whichever logger it came from.
- `JsonFormatter` writes one JSON object per line; `TextFormatter` is the same for people
  (``LOG_FORMAT=text``, the default with ``DEBUG``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from csam.observability.context import request_id_var, task_id_var, task_name_var

MASK = "[redacted]"
NRN_MASK = "[national-number]"

# 11 digits (YYMMDD, a 3-digit serial and 2 check digits), with or without the usual
# separators ("85.07.14-124.29", "850714 124 29", "85071412429"), not inside a longer number.
# Deliberately broad: masking some other 11-digit number costs nothing, missing a national
# number is a data leak.
NATIONAL_NUMBER = re.compile(
    r"(?<![0-9])[0-9]{2}[.\- /]?[0-9]{2}[.\- /]?[0-9]{2}[.\- /]?[0-9]{3}[.\- /]?[0-9]{2}(?![0-9])"
)
# Credentials in an Authorization header value.
BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
# Service client keys (csam_<prefix>_<secret>): the prefix names the key and stays.
API_KEY = re.compile(r"\b(csam_[A-Za-z0-9]+_)[A-Za-z0-9_-]{8,}")
# Field names whose values are secret or personal, as extra fields or as "name=value" in text.
SECRET_NAMES = "|".join(  # noqa: S105 - the names of secret fields, not a secret
    (
        r"pass(?:word|wd|phrase)?\d?",
        "secret",
        "client_secret",
        "api_?key",
        "(?:access_|refresh_|id_)?token",
        "authori[sz]ation",
        "cookie",
        "session_?(?:id|key)?",
        "csrf_?token",
        "csrfmiddlewaretoken",
        "otp",
        "pin",
        "code_verifier",
        "private_?key",
        "signature",
        "certificate",
        "client_?cert",
        "national_?number",
        "nrn",
    )
)
SECRET_FIELD = re.compile(rf"(?:{SECRET_NAMES})", re.IGNORECASE)
SECRET_ASSIGNMENT = re.compile(
    rf"\b(?P<name>{SECRET_NAMES})\b(?P<sep>[\"']?\s*[:=]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;&\"']+)",
    re.IGNORECASE,
)

# Attributes every record has; anything else was passed as ``extra`` and is written too.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_CONTEXT_ATTRIBUTES = ("request_id", "task_id", "task_name")
_OWN = _RECORD_ATTRIBUTES | set(_CONTEXT_ATTRIBUTES)


def redact(text: str) -> str:
    """``text`` with national numbers, credentials and secret ``name=value`` pairs masked."""
    text = NATIONAL_NUMBER.sub(NRN_MASK, text)
    text = BEARER.sub(rf"\1 {MASK}", text)
    text = API_KEY.sub(rf"\1{MASK}", text)
    return SECRET_ASSIGNMENT.sub(rf"\g<name>\g<sep>{MASK}", text)


def redact_value(value: Any, depth: int = 0) -> Any:
    """An extra field's value, masked: strings as in `redact`, mappings and sequences inside
    (their secret-looking keys masked whole)."""
    if isinstance(value, str):
        return redact(value)
    if depth > 4:
        return MASK
    if isinstance(value, dict):
        return {
            key: MASK
            if isinstance(key, str) and SECRET_FIELD.fullmatch(key)
            else redact_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item, depth + 1) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        # An 11-digit integer may well be a national number.
        if isinstance(value, int) and not isinstance(value, bool):
            return NRN_MASK if NATIONAL_NUMBER.fullmatch(str(value)) else value
        return value
    return redact(str(value))


class ContextFilter(logging.Filter):
    """Adds the request id and the running task (None when there is none) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        record.task_name = task_name_var.get()
        return True


class RedactingFilter(logging.Filter):
    """Masks national numbers and secrets in the whole record (see the module docstring). The
    message is formatted here, once, and the record then carries the masked text only."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _OWN:
                continue
            setattr(record, name, MASK if SECRET_FIELD.fullmatch(name) else redact_value(value))
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {name: value for name, value in vars(record).items() if name not in _OWN}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request id and task
    when there are, the process id, extra fields, and the exception text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_ATTRIBUTES:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        entry["process"] = record.process
        entry.update(_extras(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A line for people: time, level, logger, [request id or task id], message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [getattr(record, name, None) for name in ("request_id", "task_id")]
        record.context = "".join(f" [{value}]" for value in ids if value)
        return super().format(record)

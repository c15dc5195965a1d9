"""Structured logs that cannot be forged, and errors logged without stalling the server.

- `configure(json=...)` (called by `icjs serve`): one event per line, key-value for people or
  JSON for shippers, every string value with its control characters escaped (`printable`), so
  a name or path holding NUL, ESC or a newline cannot forge a line or drive a terminal.
  Exceptions are never rendered by structlog (no `exc_info`): their tracebacks are plain text
  in a `traceback` field, formatted by `log_error`.
- `log_error(logger, event, exc, **fields)`: for code on the event loop. Formatting a traceback
  costs milliseconds (seconds with a rich console renderer: every request waits meanwhile), so
  it happens in a worker thread, together with the write.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import anyio
import structlog

from records.text import printable

_TRACEBACK_LIMIT = 20  # frames: enough to find the bug, bounded for a flood of errors


def escape_values(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: control characters in every string value become `\\xNN`."""
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = printable(value)
    return event_dict


def configure(*, json: bool = False, level: int = logging.INFO) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.processors.KeyValueRenderer(
            key_order=["timestamp", "level", "event"], drop_missing=True
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            escape_values,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def error_fields(exc: BaseException) -> dict[str, Any]:
    """What an error log line says: the type, the message and a plain, bounded traceback."""
    return {
        "error": type(exc).__name__,
        "message": str(exc)[:500],
        "traceback": "".join(traceback.format_exception(exc, limit=_TRACEBACK_LIMIT)),
    }


def _write(logger: Any, event: str, exc: BaseException, fields: dict[str, Any]) -> None:
    logger.error(event, **fields, **error_fields(exc))


async def log_error(logger: Any, event: str, exc: BaseException, **fields: Any) -> None:
    """Log `exc` from async code without formatting anything on the event loop."""
    context = structlog.contextvars.get_contextvars()
    await anyio.to_thread.run_sync(lambda: _write(logger, event, exc, {**context, **fields}))

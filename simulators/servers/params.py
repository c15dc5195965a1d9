"""Query-parameter validation exactly as strict as the contracts: a bad value is a `400` with
`{"error", "message"}`, never a silent clamp (sources/README.md, "Precise rules")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime
from typing import Any

from simulators.servers.base import HttpError, Request

# Date-time with an offset: `Z` or `±hh:mm`; fractions of a second allowed.
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
_STATE = re.compile(r"^[A-Z]{2}$")

# Epoch values below this many milliseconds (~1973) are taken as seconds where ms are due.
MIN_EPOCH_MS = 100_000_000_000


def bad(param: str, message: str) -> HttpError:
    return HttpError(400, "invalid_parameter", f"{param}: {message}")


def iso_ms(req: Request, name: str) -> int | None:
    """An ISO 8601 date-time with offset as epoch ms (ceil to the ms); None when absent."""
    raw = req.query.get(name)
    if raw is None:
        return None
    if not _ISO.match(raw):
        raise bad(name, f"{raw!r} is not an ISO 8601 date-time with an offset (percent-encode '+')")
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise bad(name, f"{raw!r} is not a valid date-time") from None
    micros = int(when.timestamp() * 1_000_000)
    return -(-micros // 1000)


def integer(req: Request, name: str, default: int | None, low: int, high: int | None) -> int | None:
    raw = req.query.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"-?\d+", raw):
        raise bad(name, f"{raw!r} is not an integer")
    value = int(raw)
    if value < low or (high is not None and value > high):
        span = f"{low}..{high}" if high is not None else f">= {low}"
        raise bad(name, f"{value} is out of range {span}")
    return value


def epoch_seconds(req: Request, name: str) -> int | None:
    value = integer(req, name, None, 0, None)
    if value is not None and value >= MIN_EPOCH_MS:
        raise bad(name, f"{value} looks like milliseconds; this parameter is epoch seconds")
    return value


def epoch_millis(req: Request, name: str) -> int | None:
    value = integer(req, name, None, 0, None)
    if value is not None and 0 < value < MIN_EPOCH_MS:
        raise bad(name, f"{value} looks like seconds; this parameter is epoch milliseconds")
    return value


def state(req: Request, name: str = "state") -> str | None:
    raw = req.query.get(name)
    if raw is None:
        return None
    if not _STATE.match(raw):
        raise bad(name, f"{raw!r} is not a two-letter state code")
    return raw


class TokenCodec:
    """Opaque, signed paging tokens: a client cannot forge or edit one, and garbage is a `400`."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def encode(self, payload: dict[str, Any]) -> str:
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        body = base64.urlsafe_b64encode(raw).rstrip(b"=")
        sig = base64.urlsafe_b64encode(
            hmac.new(self._secret, body, hashlib.sha256).digest()[:12]
        ).rstrip(b"=")
        return (body + b"." + sig).decode()

    def decode(self, token: str, param: str) -> dict[str, Any]:
        body, _, sig = token.encode().partition(b".")
        expected = base64.urlsafe_b64encode(
            hmac.new(self._secret, body, hashlib.sha256).digest()[:12]
        ).rstrip(b"=")
        if not sig or not hmac.compare_digest(sig, expected):
            raise HttpError(400, f"invalid_{param}", f"{param} is not one this server issued")
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
        except ValueError:
            raise HttpError(
                400, f"invalid_{param}", f"{param} is not one this server issued"
            ) from None
        if not isinstance(payload, dict):
            raise HttpError(400, f"invalid_{param}", f"{param} is not one this server issued")
        return payload

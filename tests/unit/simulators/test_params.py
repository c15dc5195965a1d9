"""Parameter rules from sources/README.md "Precise rules", checked on the validators directly."""

from __future__ import annotations

import pytest

from simulators.servers.base import HttpError, Request
from simulators.servers.params import (
    TokenCodec,
    epoch_millis,
    epoch_seconds,
    integer,
    iso_ms,
    state,
)


def req(**query: str) -> Request:
    return Request("GET", "/", dict(query), {}, b"", "http://127.0.0.1")


@pytest.mark.parametrize(
    ("raw", "ms"),
    [
        ("2024-05-01T10:00:00+05:30", 1714537800_000),
        ("2024-05-01T04:30:00Z", 1714537800_000),
        ("2024-05-01T04:30:00.250Z", 1714537800_250),
        ("2024-05-01T04:30:00.0001Z", 1714537800_001),  # ceil: inclusive bounds stay inclusive
    ],
)
def test_iso_with_offset(raw: str, ms: int) -> None:
    assert iso_ms(req(x=raw), "x") == ms


@pytest.mark.parametrize(
    "raw",
    [
        "2024-05-01",
        "2024-05-01T10:00:00",
        "2024-05-01T10:00:00 05:30",
        "2024-02-30T10:00:00Z",
        "1714537800",
        "",
    ],
)
def test_iso_refusals(raw: str) -> None:
    with pytest.raises(HttpError) as err:
        iso_ms(req(x=raw), "x")
    assert err.value.status == 400 and "x" in err.value.message


def test_absent_is_none() -> None:
    assert iso_ms(req(), "x") is None and epoch_seconds(req(), "x") is None


def test_epoch_units() -> None:
    assert epoch_seconds(req(m="1714546800"), "m") == 1714546800
    assert epoch_millis(req(s="1714546800123"), "s") == 1714546800123
    assert epoch_millis(req(s="0"), "s") == 0
    with pytest.raises(HttpError):
        epoch_seconds(req(m="1714546800123"), "m")
    with pytest.raises(HttpError):
        epoch_millis(req(s="1714546800"), "s")
    with pytest.raises(HttpError):
        epoch_seconds(req(m="-5"), "m")


def test_integers_are_never_clamped() -> None:
    assert integer(req(), "n", 200, 1, 1000) == 200
    for bad in ("0", "1001", "1.5", "ten", ""):
        with pytest.raises(HttpError):
            integer(req(n=bad), "n", 200, 1, 1000)


def test_state_codes() -> None:
    assert state(req(state="MH")) == "MH"
    for bad in ("mh", "MAH", "M1"):
        with pytest.raises(HttpError):
            state(req(state=bad))


def test_tokens_are_signed() -> None:
    codec = TokenCodec(b"secret")
    token = codec.encode({"t": 1, "n": "A"})
    assert codec.decode(token, "cursor") == {"t": 1, "n": "A"}
    for bad in (
        token + "x",
        "x" + token,
        TokenCodec(b"other").encode({"t": 1, "n": "A"}),
        "",
        "....",
        "abc",
    ):
        with pytest.raises(HttpError) as err:
            codec.decode(bad, "cursor")
        assert err.value.status == 400 and err.value.error == "invalid_cursor"

"""Identifier and date formats as the real systems write them."""

from __future__ import annotations

import random
import string
from datetime import UTC, date, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def iso_ist(ms: int) -> str:
    """`2024-03-15T11:02:33+05:30`."""
    return datetime.fromtimestamp(ms / 1000, IST).replace(microsecond=0).isoformat()


def iso_z(ms: int) -> str:
    """`2024-07-01T09:12:00Z`."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_of(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, IST).date()


def dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def dmony(d: date) -> str:
    return f"{d.day:02d}-{_MONTHS[d.month - 1]}-{d.year}"


# Odd prime, coprime with every modulus below: multiplying by it permutes a counter's range, so
# consecutive counters give scattered (yet unique) numbers, as real registers look.
_SPREAD = 2654435761


def spread(n: int, modulus: int) -> int:
    """A bijection of [0, modulus) that scatters consecutive integers."""
    return (n * _SPREAD) % modulus


def regn_no(state: str, v: int) -> str:
    """A registration number unique for the vehicle counter `v` (state + RTO + series + number)."""
    p = spread(v, 50 * 676 * 9999)
    rto = 1 + p % 50
    series_n = (p // 50) % 676
    series = string.ascii_uppercase[series_n // 26] + string.ascii_uppercase[series_n % 26]
    number = p // 33800 + 1
    return f"{state}{rto:02d}{series}{number:04d}"


def regn_display(regn: str, rng: random.Random) -> str:
    """The same number with the separators clerks type: `MH-12-AB-1234`, `DL 3C AB 1234`."""
    state, rto, series, number = regn[:2], regn[2:4], regn[4:-4], regn[-4:]
    style = rng.randrange(6)
    if style == 0:
        return f"{state}-{rto}-{series}-{number}"
    if style == 1:
        return f"{state} {rto.lstrip('0') or '0'} {series} {number}"
    if style == 2:
        return (
            f"{state}{rto} {series} {number}".lower()
            if rng.random() < 0.2
            else f"{state}{rto} {series} {number}"
        )
    return regn


def normalise_regn(text: str) -> str:
    """Upper case, no separators, number zero-padded to 4 (the contracts' normal form)."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(raw) >= 6 and raw[:2].isdigit() and raw[2:4] == "BH":
        return raw
    head = raw.rstrip("0123456789")
    number = raw[len(head) :]
    if not number:
        return raw
    state, rest = head[:2], head[2:]
    digits = "".join(ch for ch in rest if ch.isdigit())
    letters = rest[len(digits) :]
    return f"{state}{digits.zfill(2) if digits else ''}{letters}{number.zfill(4)}"


def chassis(v: int, rng: random.Random) -> str:
    maker = rng.choice(("MA3", "MAL", "MAT", "ME4", "MBH", "MD2"))
    body = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(8))
    return f"{maker}{body}{v % 1_000_000:06d}"


def engine(rng: random.Random) -> str:
    return rng.choice(("K12M", "D13A", "G4LA", "JC41E", "HR15")) + f"{rng.randrange(10**7):07d}"


def dl_no(state: str, rto: int, year: int, serial: int) -> str:
    return f"{state}{rto:02d}{year:04d}{spread(serial, 10**7):07d}"


def dl_display(dl: str, rng: random.Random) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{dl[:4]} {dl[4:]}"
    if style == 1:
        return f"{dl[:2]}-{dl[2:]}"
    return dl


def mobile_display(mobile: str, rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"+91 {mobile[:5]} {mobile[5:]}"
    if style == 1:
        return f"0{mobile}"
    if style == 2:
        return f"+91{mobile}"
    return mobile


def mobile(rng: random.Random) -> str:
    return rng.choice("6789") + "".join(rng.choice(string.digits) for _ in range(9))


def upi_id(name: str, rng: random.Random) -> str:
    handle = "".join(ch for ch in name.lower().split()[0] if ch.isalpha()) or "pay"
    bank = rng.choice(("ybl", "oksbi", "okhdfcbank", "paytm", "ibl"))
    return f"{handle}.{rng.randrange(10, 999)}@{bank}"


def account(rng: random.Random) -> tuple[str, str]:
    bank = rng.choice(("HDFC", "SBIN", "ICIC", "PUNB", "UTIB", "BARB"))
    return "".join(
        rng.choice(string.digits) for _ in range(14)
    ), f"{bank}0{rng.randrange(10**6):06d}"


def aadhaar(rng: random.Random) -> str:
    """A 12-digit Aadhaar-shaped number (never starts with 0 or 1), as some sources send one."""
    return rng.choice("23456789") + "".join(rng.choice(string.digits) for _ in range(11))

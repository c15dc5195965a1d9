"""ALIS (sources/alis.md): HTTP basic, `index.json` with `If-Modified-Since`, daily CSV exports
with `Content-Length`, `Range` and SHA-256.

A day's file is published at 01:00 IST the next day and never changes after, so its bytes, hash
and row count are computed once and kept in the world file. Files vary the way real exports do:
some start with a UTF-8 BOM, some put the columns in another order, quoted fields hold commas
and line breaks, and a bad-encoding row is written in cp1252 instead of UTF-8.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import hmac
import io
import json
import random
import re
import threading
from datetime import UTC
from typing import Any

from simulators.faults import FaultState
from simulators.servers.base import (
    AdminHooks,
    HttpError,
    Request,
    Response,
    SourceApp,
    json_response,
)
from simulators.servers.oauth import basic_credentials
from simulators.world.formats import iso_ist
from simulators.world.store import Store, alis_publish_ms

COLUMNS = (
    "licence_no",
    "holder_name",
    "father_name",
    "dob",
    "address",
    "district",
    "state",
    "weapon_type",
    "weapon_no",
    "issue_date",
    "valid_upto",
    "status",
    "issuing_authority",
)
_CACHE_FILES = 32
_NAME = re.compile(r"^/alis-(\d{4}-\d{2}-\d{2})\.csv$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def build_file(day: str, rows: list[dict[str, Any]]) -> bytes:
    """The export for `day`: header and rows as RFC 4180 CSV, CRLF line ends."""
    rng = random.Random(f"alis:{day}")
    columns = list(COLUMNS)
    if rng.random() < 0.3:
        rng.shuffle(columns)
    out = bytearray(b"\xef\xbb\xbf" if rng.random() < 0.3 else b"")
    out += _line(columns).encode("utf-8")
    for row in sorted(rows, key=lambda r: str(r.get("licence_no"))):
        encoding = row.pop("__encoding__", "utf-8")
        if rng.random() < 0.15 and ", " in str(row.get("address", "")):
            row["address"] = str(row["address"]).replace(", ", ",\n", 1)
        out += _line([str(row.get(c, "")) for c in columns]).encode(encoding, "replace")
    return bytes(out)


def _line(values: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(values)
    return buf.getvalue()


class AlisApp(SourceApp):
    name = "alis"
    base_path = "/exports"

    def __init__(
        self, store: Store, faults: FaultState, admin: AdminHooks, username: str, password: str
    ):
        super().__init__(faults, admin)
        self.store = store
        self.username = username
        self.password = password
        self._cache: dict[str, bytes] = {}
        self._cache_lock = threading.Lock()
        with store.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS alis_files (day TEXT PRIMARY KEY, sha256 TEXT NOT NULL,"
                " rows INTEGER NOT NULL, size INTEGER NOT NULL)"
            )

    def authenticate(self, req: Request) -> None:
        creds = basic_credentials(req)
        if creds is None or not (
            hmac.compare_digest(creds[0].encode(), self.username.encode())
            and hmac.compare_digest(creds[1].encode(), self.password.encode())
        ):
            raise HttpError(
                401,
                "unauthorized",
                "HTTP basic authentication required",
                {"WWW-Authenticate": 'Basic realm="alis"'},
            )

    def route(self, req: Request) -> Response:
        if req.method not in ("GET", "HEAD"):
            raise HttpError(405, "method_not_allowed", "only GET")
        if req.path == "/index.json":
            return self.index(req)
        match = _NAME.match(req.path)
        if match:
            return self.file(req, match.group(1))
        raise HttpError(404, "not_found", "no such file")

    # -- files ------------------------------------------------------------------------------

    def published_days(self) -> list[str]:
        now = self.store.clock_ms()
        days = [
            r[0]
            for r in self.store.query(
                "SELECT DISTINCT coll FROM rows WHERE source = 'alis' ORDER BY coll"
            )
        ]
        return [d for d in days if alis_publish_ms(d) <= now]

    def is_published(self, day: str) -> bool:
        if alis_publish_ms(day) > self.store.clock_ms():
            return False
        return bool(
            self.store.query(
                "SELECT 1 FROM rows WHERE source = 'alis' AND coll = ? LIMIT 1", (day,)
            )
        )

    def cached_file(self, day: str) -> bytes:
        """A published file's bytes; they never change, so recent ones are kept in memory
        (a client resuming with `Range` asks for the same file again)."""
        with self._cache_lock:
            data = self._cache.get(day)
        if data is None:
            data = self.file_bytes(day)
            with self._cache_lock:
                self._cache[day] = data
                while len(self._cache) > _CACHE_FILES:
                    self._cache.pop(next(iter(self._cache)))
        return data

    def file_bytes(self, day: str) -> bytes:
        rows = [
            json.loads(b)
            for (b,) in self.store.query(
                "SELECT body FROM rows WHERE source = 'alis' AND coll = ?", (day,)
            )
        ]
        return build_file(day, rows)

    def file_info(self, day: str) -> tuple[str, int]:
        got = self.store.query("SELECT sha256, rows FROM alis_files WHERE day = ?", (day,))
        if got:
            return str(got[0][0]), int(got[0][1])
        data = self.file_bytes(day)
        rows = self.store.query(
            "SELECT count(*) FROM rows WHERE source = 'alis' AND coll = ?", (day,)
        )[0][0]
        sha = hashlib.sha256(data).hexdigest()
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO alis_files VALUES (?, ?, ?, ?)", (day, sha, rows, len(data))
            )
        return sha, int(rows)

    def index(self, req: Request) -> Response:
        days = self.published_days()
        newest_ms = alis_publish_ms(days[-1]) if days else 0
        last_modified = email.utils.formatdate(newest_ms / 1000, usegmt=True)
        since = req.header("if-modified-since")
        if since and days:
            try:
                ims = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                ims = None
            if ims is not None:
                if ims.tzinfo is None:
                    ims = ims.replace(tzinfo=UTC)
                if newest_ms // 1000 <= int(ims.timestamp()):
                    return Response(304, b"", "application/json", {"Last-Modified": last_modified})
        files = []
        for day in days:
            sha, rows = self.file_info(day)
            files.append(
                {
                    "name": f"alis-{day}.csv",
                    "sha256": sha,
                    "rows": rows,
                    "published": iso_ist(alis_publish_ms(day)),
                }
            )
        return json_response({"files": files}, headers={"Last-Modified": last_modified})

    def file(self, req: Request, day: str) -> Response:
        if not self.is_published(day):
            raise HttpError(404, "not_found", "no such file")
        data = self.cached_file(day)
        if self.faults.chance(self.faults.spec.rate_corrupt_file, "corrupt_file") and data:
            flip = self.faults.randint(0, len(data) - 1)
            data = data[:flip] + bytes([data[flip] ^ 0x20]) + data[flip + 1 :]
        modified = email.utils.formatdate(alis_publish_ms(day) / 1000, usegmt=True)
        headers = {"Accept-Ranges": "bytes", "Last-Modified": modified}
        wanted = req.header("range")
        if wanted:
            span = _parse_range(wanted, len(data))
            if span is None:
                headers["Content-Range"] = f"bytes */{len(data)}"
                raise HttpError(
                    416, "range_not_satisfiable", "requested range not satisfiable", headers
                )
            start, end = span
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            return Response(206, data[start : end + 1], "text/csv", headers)
        return Response(200, data, "text/csv", headers)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """A single `bytes=` range as (first, last) inclusive, or None when unsatisfiable."""
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):
        length = int(m.group(2))
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)

"""One HTTP client per source: authentication, retries, the circuit breaker, body decoding.

Connectors ask for a URL and get a decoded body back or a typed error; they never see a
transient failure. Credentials are attached only to requests to the source's own origin, so a
`next` link pointing elsewhere cannot carry them away.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from connectors.errors import (
    AuthExpired,
    PageExpired,
    RetryableError,
    SourceError,
    SourceNotFound,
)
from connectors.retry import CircuitBreaker, RetryPolicy, parse_retry_after

# Renew a bearer token this long before it expires, so that a page is never sent with a token
# that dies in flight.
TOKEN_MARGIN_S = 30.0
MAX_RENEWALS = 3  # per request


def join_url(base: str, path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


class Auth(Protocol):
    """How a source authenticates requests."""

    bearer: bool  # a 401 means "renew the token", not "wrong credentials"

    async def headers(self, client: SourceClient) -> dict[str, str]: ...

    def invalidate(self) -> None: ...


class NoAuth:
    bearer = False

    async def headers(self, client: SourceClient) -> dict[str, str]:
        return {}

    def invalidate(self) -> None:
        return None


class ApiKeyAuth:
    bearer = False

    def __init__(self, key: str) -> None:
        self._key = key

    async def headers(self, client: SourceClient) -> dict[str, str]:
        return {"X-API-Key": self._key}

    def invalidate(self) -> None:
        return None


class BasicAuth:
    bearer = False

    def __init__(self, username: str, password: str) -> None:
        self._header = httpx.BasicAuth(username, password)._auth_header

    async def headers(self, client: SourceClient) -> dict[str, str]:
        return {"Authorization": self._header}

    def invalidate(self) -> None:
        return None


class ClientCredentials:
    """OAuth2 client credentials (e-Prisons, NCRP): client authentication by HTTP basic only."""

    bearer = True

    def __init__(
        self,
        token_path: str,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_path = token_path
        self._basic = httpx.BasicAuth(client_id, client_secret)._auth_header
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.renewals = 0

    def invalidate(self) -> None:
        self._token = None

    async def headers(self, client: SourceClient) -> dict[str, str]:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - TOKEN_MARGIN_S:
                await self._fetch(client)
            assert self._token is not None
            return {"Authorization": f"Bearer {self._token}"}

    async def _fetch(self, client: SourceClient) -> None:
        response = await client.send(
            "POST",
            self._token_path,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": self._basic},
            authenticate=False,
        )
        body = decode_json(client.source, response)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise SourceError(client.source, "token endpoint answered without an access_token")
        expires_in = body.get("expires_in")
        ttl = float(expires_in) if isinstance(expires_in, int | float) else 300.0
        self._token = body["access_token"]
        self._expires_at = self._clock() + ttl
        self.renewals += 1


def _error_message(response: httpx.Response) -> str:
    """The source's own error message when the body is its JSON or XML error shape; otherwise
    just the status (a gateway's HTML page is not worth repeating)."""
    content_type = response.headers.get("content-type", "")
    try:
        if "json" in content_type:
            body = response.json()
            if isinstance(body, dict):
                parts = [str(body.get(k)) for k in ("error", "message") if body.get(k)]
                return ": ".join(parts)[:200]
        if "xml" in content_type:
            import xml.etree.ElementTree as ET

            root = ET.fromstring(response.content)
            return " ".join(t.strip() for t in root.itertext() if t.strip())[:200]
    except (ValueError, SyntaxError):
        pass
    return ""


def decode_json(source: str, response: httpx.Response) -> Any:
    """JSON body of a 2xx response. Invalid UTF-8 bytes become U+FFFD, so one badly encoded
    record does not lose the whole page: the mapping quarantines the record that carries it."""
    text = response.content.decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RetryableError(source, f"malformed JSON body ({exc.msg} at {exc.pos})") from None


class SourceClient:
    """The shared `httpx.AsyncClient` of one source, with its retry policy and breaker."""

    def __init__(
        self,
        source: str,
        base_url: str,
        auth: Auth,
        policy: RetryPolicy,
        breaker: CircuitBreaker,
        *,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: Callable[[str, BaseException], None] | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url
        self.auth = auth
        self.policy = policy
        self.breaker = breaker
        self.retries = 0
        # the source's own time (its `Date` header) at the last good response: what a sync's
        # lag is measured against when the source's body carries no `as_of`
        self.server_time: datetime | None = None
        self._on_retry = on_retry
        self._sleep = sleep
        self._origin = origin(base_url)
        self._timeout_s = timeout_s
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        """Created on first use, so that a mapping-only connector never opens one."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout_s),
                transport=self._transport,
                follow_redirects=False,
                headers={"User-Agent": "icjs-connectors/0.1"},
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> SourceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the retry loop ------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, AuthExpired):
            return 0.0
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            return self.policy.honour(exc.retry_after)
        return self.policy.backoff(state.attempt_number)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        if self._on_retry is not None and exc is not None:
            self._on_retry(self.source, exc)

    async def call(self, attempt: Callable[[], Any]) -> Any:
        """Run `attempt` (a coroutine factory) under the retry rules and the breaker."""
        renewals = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type((RetryableError, AuthExpired)),
            before_sleep=self._before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        async for state in retrying:
            with state:
                self.breaker.check()
                try:
                    result = await attempt()
                except AuthExpired:
                    # A source may refuse a token it just issued (its clocks, its caches): renew
                    # a few times, but not forever: a client whose tokens are always refused has
                    # lost its grant, and retrying would hammer the token endpoint.
                    if renewals >= MAX_RENEWALS:
                        raise SourceError(
                            self.source,
                            f"credentials refused after renewing the token {renewals} times",
                            status=401,
                        ) from None
                    renewals += 1
                    self.auth.invalidate()
                    raise
                except RetryableError as exc:
                    if exc.counts_for_breaker:
                        self.breaker.record_failure()
                    raise
                self.breaker.record_success()
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    # -- one attempt -----------------------------------------------------------------------

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        authenticate: bool = True,
        ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """One attempt (no retries): the response when its status is in `ok`, else a typed
        error. Use `request` for the retried form."""
        url = join_url(self.base_url, path)
        all_headers = dict(headers or {})
        if authenticate and origin(url) == self._origin:
            all_headers.update(await self.auth.headers(self))
        try:
            response = await self._http.request(
                method, url, params=params, headers=all_headers, data=data
            )
        except httpx.TimeoutException as exc:
            raise RetryableError(self.source, f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise RetryableError(self.source, f"connection failed ({type(exc).__name__})") from None
        self.check_status(response, ok=ok, renewable=authenticate)
        self.server_time = _http_date(response.headers.get("date")) or self.server_time
        return response

    def check_status(
        self, response: httpx.Response, *, ok: tuple[int, ...] = (200,), renewable: bool = True
    ) -> None:
        status = response.status_code
        if status in ok:
            return
        message = _error_message(response)
        detail = f"HTTP {status}" + (f": {message}" if message else "")
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 401 and renewable and self.auth.bearer:
            raise AuthExpired(self.source, detail, status=status)
        if status == 410:
            raise PageExpired(self.source, detail, status=status)
        if status == 404:
            raise SourceNotFound(self.source, detail, status=status)
        if status in (408, 429) or status >= 500:
            raise RetryableError(
                self.source,
                detail,
                status=status,
                retry_after=retry_after,
                counts_for_breaker=status >= 500 and retry_after is None,
            )
        raise SourceError(self.source, detail, status=status)

    # -- retried conveniences ---------------------------------------------------------------

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def attempt() -> httpx.Response:
            return await self.send(method, path, **kwargs)

        response: httpx.Response = await self.call(attempt)
        return response

    async def get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """GET and decode JSON; a garbled body is retried like a dropped connection."""

        async def attempt() -> Any:
            response = await self.send("GET", path, params=params)
            return decode_json(self.source, response)

        return await self.call(attempt)

    async def download(
        self, path: str, dest: Path, *, headers: Mapping[str, str] | None = None
    ) -> int:
        """Stream a file to `dest`, resuming with `Range` after a broken transfer (the partial
        file is kept between attempts). Returns the final size in bytes."""

        async def attempt() -> int:
            have = dest.stat().st_size if dest.exists() else 0
            request_headers = {"Accept-Encoding": "identity", **(headers or {})}
            url = join_url(self.base_url, path)
            if origin(url) == self._origin:
                request_headers.update(await self.auth.headers(self))
            if have:
                request_headers["Range"] = f"bytes={have}-"
            try:
                async with self._http.stream("GET", url, headers=request_headers) as response:
                    if have and response.status_code == 416:
                        return have  # already complete
                    if response.status_code not in (200, 206):
                        await response.aread()  # error bodies are small; read for the message
                    self.check_status(response, ok=(200, 206))
                    mode = "ab" if response.status_code == 206 else "wb"
                    with dest.open(mode) as out:
                        async for chunk in response.aiter_bytes():
                            out.write(chunk)
            except httpx.TimeoutException as exc:
                raise RetryableError(
                    self.source, f"download timed out ({type(exc).__name__})"
                ) from None
            except httpx.TransportError as exc:
                raise RetryableError(
                    self.source, f"download broken ({type(exc).__name__})"
                ) from None
            return dest.stat().st_size

        size: int = await self.call(attempt)
        return size


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None

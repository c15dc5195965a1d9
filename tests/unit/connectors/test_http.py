"""Every retry rule of the shared HTTP client, against respx (failures a live server cannot stage
deterministically)."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from connectors.errors import CircuitOpen, PageExpired, SourceError, SourceNotFound
from connectors.http import ApiKeyAuth, ClientCredentials, SourceClient
from connectors.retry import CircuitBreaker, RetryPolicy, parse_retry_after

BASE = "http://src.test/api"


class Sleeps:
    """Records the waits instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(
    auth: object | None = None,
    *,
    attempts: int = 5,
    breaker: CircuitBreaker | None = None,
    sleeps: Sleeps | None = None,
) -> SourceClient:
    return SourceClient(
        "src",
        BASE,
        auth or ApiKeyAuth("k-123"),  # type: ignore[arg-type]
        RetryPolicy(max_attempts=attempts, initial_s=0.01, max_s=0.05, retry_after_cap_s=30),
        breaker or CircuitBreaker("src", failures=50, reset_s=60),
        sleep=sleeps or Sleeps(),
    )


def test_retry_after_both_forms() -> None:
    now = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    date = email.utils.format_datetime(now + timedelta(seconds=12), usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(12.0)
    past = email.utils.format_datetime(now - timedelta(seconds=12), usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(initial_s=1, max_s=8)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.5  # jitter spreads over the range
    assert RetryPolicy(retry_after_cap_s=5).honour(3600) == 5


@respx.mock
async def test_429_honours_retry_after_seconds() -> None:
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}, json={"error": "rate_limited"}),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    sleeps = Sleeps()
    c = client(sleeps=sleeps)
    assert await c.get_json("/x") == {"ok": 1}
    assert route.call_count == 2
    assert sleeps.waits == [3.0]
    assert route.calls[0].request.headers["X-API-Key"] == "k-123"
    assert c.retries == 1


@respx.mock
async def test_429_honours_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    respx.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": when}),
            httpx.Response(200, json=[]),
        ]
    )
    sleeps = Sleeps()
    await client(sleeps=sleeps).get_json("/x")
    assert 18 <= sleeps.waits[0] <= 20


@respx.mock
async def test_maintenance_503_waits_as_told_other_5xx_back_off() -> None:
    respx.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "2"}),
            httpx.Response(500, json={"error": "server_error"}),
            httpx.Response(
                502, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"}
            ),
            httpx.Response(504, text="<html>timeout</html>"),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    sleeps = Sleeps()
    assert await client(sleeps=sleeps).get_json("/x") == {"ok": 1}
    assert sleeps.waits[0] == 2.0
    assert all(0 <= w <= 0.05 for w in sleeps.waits[1:])
    assert len(sleeps.waits) == 4


@respx.mock
async def test_408_is_retried() -> None:
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[httpx.Response(408), httpx.Response(200, json={})]
    )
    await client().get_json("/x")
    assert route.call_count == 2


@pytest.mark.parametrize("status", [400, 403, 405, 422])
@respx.mock
async def test_other_4xx_are_not_retried(status: int) -> None:
    route = respx.get(f"{BASE}/x").mock(
        return_value=httpx.Response(status, json={"error": "bad", "message": "page 0"})
    )
    with pytest.raises(SourceError) as info:
        await client().get_json("/x")
    assert route.call_count == 1
    assert info.value.status == status
    assert "page 0" in str(info.value)


@respx.mock
async def test_401_with_api_key_is_not_retried_and_key_not_leaked() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(401, json={"error": "nope"}))
    with pytest.raises(SourceError) as info:
        await client().get_json("/x")
    assert route.call_count == 1
    assert "k-123" not in str(info.value)


@respx.mock
async def test_410_raises_page_expired_without_retry() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(410, json={"error": "gone"}))
    with pytest.raises(PageExpired):
        await client().get_json("/x")
    assert route.call_count == 1


@respx.mock
async def test_404_is_not_found() -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(404, text="<html/>"))
    with pytest.raises(SourceNotFound):
        await client().get_json("/x")


@respx.mock
async def test_attempts_are_capped() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(500))
    with pytest.raises(SourceError, match="HTTP 500"):
        await client(attempts=3).get_json("/x")
    assert route.call_count == 3


@respx.mock
async def test_dropped_connection_and_malformed_body_are_retried() -> None:
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.RemoteProtocolError("peer closed connection without sending complete body"),
            httpx.Response(200, content=b'{"data": [1, 2'),  # cut short
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"data": [1, 2]}),
        ]
    )
    assert await client().get_json("/x") == {"data": [1, 2]}
    assert route.call_count == 4


@respx.mock
async def test_persistently_malformed_json_fails_the_request() -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, content=b"<html>oops</html>"))
    with pytest.raises(SourceError, match="malformed JSON"):
        await client(attempts=2).get_json("/x")


@respx.mock
async def test_oauth_token_is_fetched_with_basic_auth_and_renewed_on_401() -> None:
    tokens = respx.post(f"{BASE}/oauth/token").mock(
        side_effect=[
            httpx.Response(200, json={"access_token": "t1", "expires_in": 900}),
            httpx.Response(200, json={"access_token": "t2", "expires_in": 900}),
        ]
    )
    data = respx.get(f"{BASE}/inmates").mock(
        side_effect=[
            httpx.Response(200, json={"n": 1}),
            httpx.Response(401, json={"error": "invalid_token"}),
            httpx.Response(200, json={"n": 2}),
        ]
    )
    sleeps = Sleeps()
    c = client(ClientCredentials("/oauth/token", "cid", "secret"), sleeps=sleeps)
    assert await c.get_json("/inmates") == {"n": 1}
    assert await c.get_json("/inmates") == {"n": 2}
    assert tokens.call_count == 2
    token_request = tokens.calls[0].request
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert b"grant_type=client_credentials" in token_request.content
    assert data.calls[0].request.headers["Authorization"] == "Bearer t1"
    assert data.calls[2].request.headers["Authorization"] == "Bearer t2"
    assert sleeps.waits == [0.0]  # renewal is immediate, not a backoff


@respx.mock
async def test_oauth_refused_after_renewal_is_an_error_not_a_loop() -> None:
    respx.post(f"{BASE}/oauth/token").mock(
        return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 900})
    )
    data = respx.get(f"{BASE}/inmates").mock(return_value=httpx.Response(401))
    with pytest.raises(SourceError, match="after renewing"):
        await client(ClientCredentials("/oauth/token", "cid", "s"), attempts=10).get_json(
            "/inmates"
        )
    assert data.call_count == 4  # the first token and three renewals


@respx.mock
async def test_oauth_token_refused_twice_in_a_row_is_renewed_again() -> None:
    tokens = respx.post(f"{BASE}/oauth/token").mock(
        return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 900})
    )
    respx.get(f"{BASE}/inmates").mock(
        side_effect=[httpx.Response(401), httpx.Response(401), httpx.Response(200, json={})]
    )
    await client(ClientCredentials("/oauth/token", "cid", "s")).get_json("/inmates")
    assert tokens.call_count == 3


@respx.mock
async def test_oauth_bad_client_is_reported() -> None:
    respx.post(f"{BASE}/oauth/token").mock(
        return_value=httpx.Response(401, json={"error": "invalid_client"})
    )
    with pytest.raises(SourceError, match="invalid_client"):
        await client(ClientCredentials("/oauth/token", "cid", "bad")).get_json("/inmates")


@respx.mock
async def test_token_renewed_before_expiry() -> None:
    clock = [0.0]
    tokens = respx.post(f"{BASE}/oauth/token").mock(
        return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 60})
    )
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    c = client(ClientCredentials("/oauth/token", "cid", "s", clock=lambda: clock[0]))
    await c.get_json("/x")
    clock[0] = 20.0
    await c.get_json("/x")
    assert tokens.call_count == 1
    clock[0] = 40.0  # within the renewal margin of a 60 s token
    await c.get_json("/x")
    assert tokens.call_count == 2


@respx.mock
async def test_credentials_only_go_to_the_sources_origin() -> None:
    other = respx.get("http://elsewhere.test/next").mock(return_value=httpx.Response(200, json={}))
    await client().get_json("http://elsewhere.test/next")
    assert "X-API-Key" not in other.calls[0].request.headers


@respx.mock
async def test_breaker_opens_fails_fast_and_half_opens() -> None:
    now = [0.0]
    breaker = CircuitBreaker("src", failures=3, reset_s=30, clock=lambda: now[0])
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(500))
    c = client(attempts=10, breaker=breaker)
    with pytest.raises(CircuitOpen):
        await c.get_json("/x")
    assert route.call_count == 3
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen):
        await c.get_json("/x")
    assert route.call_count == 3  # failed fast
    now[0] = 31.0
    assert breaker.state == "half-open"
    route.mock(return_value=httpx.Response(200, json={}))
    await c.get_json("/x")
    assert breaker.state == "closed"


@respx.mock
async def test_rate_limits_do_not_trip_the_breaker() -> None:
    breaker = CircuitBreaker("src", failures=2, reset_s=30)
    respx.get(f"{BASE}/x").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "0"})] * 4
        + [httpx.Response(200, json={})]
    )
    await client(attempts=6, breaker=breaker).get_json("/x")
    assert breaker.state == "closed"

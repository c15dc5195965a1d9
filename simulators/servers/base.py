"""The HTTP machinery every simulated source shares: a threaded stdlib server on loopback,
request parsing, JSON errors, the fault gate in front of every route, and the admin endpoints.

Plain `http.server` rather than an ASGI stack because faults need the raw socket: a dropped
connection has to stop part-way through a body whose `Content-Length` promised more.
"""

from __future__ import annotations

import contextlib
import email.utils
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from simulators.faults import FaultState

_GATEWAY_HTML = (
    "<html><head><title>{code} {reason}</title></head><body><center><h1>{code} {reason}</h1>"
    "</center><hr><center>nginx</center></body></html>"
)


@dataclass
class Request:
    method: str
    path: str  # below the source's base path, starting with "/"
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    host: str  # scheme://host:port the client used

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # fault: close the connection part-way through the body


class HttpError(Exception):
    """An error answer in the source's own error format."""

    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json", dict(headers or {}))


def raw_json_response(text: str, status: int = 200) -> Response:
    """A body assembled from stored JSON fragments (already valid JSON text)."""
    return Response(status, text.encode("utf-8"), "application/json")


def http_date(seconds_from_now: int) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


class SourceApp:
    """One source: its base path, its auth, its routes. Subclasses implement `route`."""

    name = "source"
    base_path = ""
    error_content_type = "application/json"

    def __init__(self, faults: FaultState, admin: AdminHooks):
        self.faults = faults
        self.admin = admin

    # -- overridables -----------------------------------------------------------------------

    def authenticate(self, req: Request) -> None:
        """Raise `HttpError(401, …)` unless the request carries valid credentials."""

    def route(self, req: Request) -> Response:
        raise HttpError(404, "not_found", "no such resource")

    def is_token_endpoint(self, req: Request) -> bool:
        return False

    def error_body(self, err: HttpError) -> bytes:
        return json.dumps({"error": err.error, "message": err.message}).encode("utf-8")

    # -- the request pipeline -----------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        try:
            if not (req.path == self.base_path or req.path.startswith(self.base_path + "/")):
                raise HttpError(404, "not_found", "no such resource")
            req.path = req.path[len(self.base_path) :] or "/"
            injected = self._injected_error(req)
            if injected is not None:
                return injected
            token_endpoint = self.is_token_endpoint(req)
            if not token_endpoint:
                self.authenticate(req)
            if not token_endpoint and self.faults.chance(self.faults.spec.rate_slow, "slow"):
                time.sleep(self.faults.uniform(*self.faults.spec.slow_s))
            resp = self.route(req)
            if (
                resp.status == 200
                and not token_endpoint
                and self.faults.chance(self.faults.spec.rate_drop, "drop")
            ):
                resp.drop = True
            return resp
        except HttpError as err:
            return Response(err.status, self.error_body(err), self.error_content_type, err.headers)

    def _injected_error(self, req: Request) -> Response | None:
        left = self.faults.in_maintenance()
        if left is not None:
            self.faults.injected["503_window"] += 1
            err = HttpError(503, "maintenance", "scheduled maintenance", {"Retry-After": str(left)})
            return Response(503, self.error_body(err), self.error_content_type, err.headers)
        # Token endpoints are not rate-limited but share the source's outages.
        fault = self.faults.error(rate_limited=not self.is_token_endpoint(req))
        if fault is None:
            return None
        low, high = self.faults.spec.retry_after_s
        if fault == "429":
            wait = self.faults.randint(low, high)
            # Both forms the contracts allow; an HTTP date is rounded to whole seconds, so it
            # says one second more to stay a real wait.
            value = str(wait) if self.faults.chance(0.5, "429_seconds") else http_date(wait + 1)
            err = HttpError(429, "rate_limited", "too many requests", {"Retry-After": value})
            return Response(429, self.error_body(err), self.error_content_type, err.headers)
        if fault == "503":
            wait = self.faults.randint(low, high)
            self.faults.open_maintenance(wait)
            err = HttpError(503, "maintenance", "scheduled maintenance", {"Retry-After": str(wait)})
            return Response(503, self.error_body(err), self.error_content_type, err.headers)
        if fault in ("502", "504") and self.faults.chance(0.7, f"{fault}_html"):
            reason = "Bad Gateway" if fault == "502" else "Gateway Time-out"
            html = _GATEWAY_HTML.format(code=fault, reason=reason).encode()
            return Response(int(fault), html, "text/html")
        err = HttpError(int(fault), "server_error", "internal error")
        return Response(int(fault), self.error_body(err), self.error_content_type)


@dataclass
class AdminHooks:
    """What `/_admin/*` can do on a running simulator, guarded by `X-Admin-Key`."""

    key: str
    advance: Callable[[float], dict[str, Any]]
    set_faults: Callable[[dict[str, Any]], dict[str, Any]]
    status: Callable[[], dict[str, Any]]


def _admin(req: Request, hooks: AdminHooks) -> Response:
    given = req.header("x-admin-key") or ""
    if not hmac.compare_digest(given.encode(), hooks.key.encode()):
        return json_response(
            {"error": "unauthorized", "message": "missing or wrong X-Admin-Key"}, 401
        )
    try:
        payload = json.loads(req.body or b"{}") if req.method == "POST" else {}
    except ValueError:
        return json_response({"error": "bad_request", "message": "body is not JSON"}, 400)
    if req.method == "POST" and req.path == "/_admin/advance":
        minutes = payload.get("minutes")
        if not isinstance(minutes, int | float) or minutes <= 0:
            return json_response(
                {"error": "bad_request", "message": "minutes must be a positive number"}, 400
            )
        return json_response(hooks.advance(float(minutes)))
    if req.method == "POST" and req.path == "/_admin/faults":
        try:
            return json_response(hooks.set_faults(payload))
        except (ValueError, TypeError) as exc:
            return json_response({"error": "bad_request", "message": str(exc)}, 400)
    if req.method == "GET" and req.path == "/_admin/status":
        return json_response(hooks.status())
    return json_response({"error": "not_found", "message": "no such admin resource"}, 404)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app: SourceApp  # set on the subclass made per server
    server_version = "sim"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or "127.0.0.1"
        req = Request(
            method=self.command,
            path=unquote(parts.path),
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            host=f"http://{host}",
        )
        if parts.path.startswith("/_admin/"):
            resp = _admin(req, self.app.admin)
        else:
            resp = self.app.handle(req)
        try:
            self._write(resp)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header from the world's clock: the simulated source's own time."""
        clock = getattr(getattr(self.app, "store", None), "clock_ms", None)
        if timestamp is None and callable(clock):
            timestamp = clock() / 1000
        return super().date_time_string(timestamp)

    def _write(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header(
            "Content-Type",
            resp.content_type
            + (
                "; charset=utf-8"
                if "json" in resp.content_type
                or "xml" in resp.content_type
                or "csv" in resp.content_type
                else ""
            ),
        )
        if "Content-Length" not in resp.headers:
            self.send_header("Content-Length", str(len(resp.body)))
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        if resp.drop and len(resp.body) > 1:
            self.wfile.write(resp.body[: len(resp.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(resp.body)

    do_GET = _serve
    do_POST = _serve
    do_HEAD = _serve
    do_PUT = _serve
    do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class RunningServer:
    """A source app bound to a loopback port, served from a background thread."""

    def __init__(self, app: SourceApp, port: int = 0, host: str = "127.0.0.1"):
        handler = type(f"{app.name}Handler", (_Handler,), {"app": app})
        self.app = app
        self.httpd = _Server((host, port), handler)
        self.port: int = self.httpd.server_address[1]
        self.host = host
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sim-{app.name}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.app.base_path}"

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

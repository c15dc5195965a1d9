"""An SMS gateway as `docs/sms-gateway.md` describes it (DLT sender ids and content templates), on
loopback, for the alerts tests and the demo. Imports nothing of ours.

    gateway = SmsGateway(api_key="k", senders={"ICJSAL": {"1107...": "ICJS alert {#var#} ..."}})
    gateway.start(); gateway.url; gateway.sent; gateway.fail_next(503); gateway.stop()
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_MOBILE = re.compile(r"^\+91[6-9]\d{9}$")
_SENDER = re.compile(r"^[A-Z]{6}$")
_TEMPLATE = re.compile(r"^\d{19}$")
VAR = "{#var#}"
MAX_VAR = 30


class SmsGateway:
    def __init__(self, api_key: str, senders: dict[str, dict[str, str]]) -> None:
        self.api_key = api_key
        self.senders = senders  # sender id -> template id -> template text
        self.sent: dict[str, dict[str, Any]] = {}  # message id -> message
        self.by_reference: dict[str, str] = {}
        self._faults: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._faults += [status] * times

    def start(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any], **headers: str) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                if self.path != "/v1/sms":
                    return self._answer(404, {"error": "not_found", "message": self.path})
                if self.headers.get("X-API-Key") != gateway.api_key:
                    return self._answer(401, {"error": "unauthorized", "message": "bad key"})
                with gateway._lock:
                    fault = gateway._faults.pop(0) if gateway._faults else None
                if fault == 429:
                    return self._answer(429, {"error": "rate_limited", "message": "slow"},
                                        Retry_After="1")  # fmt: skip
                if fault is not None:
                    return self._answer(fault, {"error": "unavailable", "message": "try later"})
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    return self._answer(400, {"error": "bad_request", "message": "not JSON"})
                status, answer = gateway.accept(body)
                return self._answer(status, answer)

            def do_GET(self) -> None:
                if self.headers.get("X-API-Key") != gateway.api_key:
                    return self._answer(401, {"error": "unauthorized", "message": "bad key"})
                message_id = self.path.removeprefix("/v1/sms/")
                found = gateway.sent.get(message_id)
                if not self.path.startswith("/v1/sms/") or found is None:
                    return self._answer(404, {"error": "not_found", "message": self.path})
                return self._answer(200, found)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def accept(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return 400, {"error": "bad_request", "message": "a JSON object is due"}
        sender, template_id = body.get("sender_id"), body.get("template_id")
        to, variables, reference = body.get("to"), body.get("variables"), body.get("reference")
        if not isinstance(sender, str) or not _SENDER.match(sender) or sender not in self.senders:
            return 400, {"error": "unregistered_sender", "message": "sender id not registered"}
        templates = self.senders[sender]
        if (
            not isinstance(template_id, str)
            or not _TEMPLATE.match(template_id)
            or (template_id not in templates)
        ):
            return 400, {"error": "unregistered_template", "message": "template not registered"}
        if not isinstance(to, str) or not _MOBILE.match(to):
            return 400, {"error": "bad_number", "message": "+91 and ten digits"}
        template = templates[template_id]
        if (
            not isinstance(variables, list)
            or len(variables) != template.count(VAR)
            or any(not isinstance(v, str) or len(v) > MAX_VAR for v in variables)
        ):
            return 400, {"error": "template_mismatch", "message": "variables do not fit"}
        if not isinstance(reference, str) or not 1 <= len(reference) <= 64:
            return 400, {"error": "bad_request", "message": "reference: 1 to 64 characters"}
        with self._lock:
            if reference in self.by_reference:
                return 200, {"message_id": self.by_reference[reference], "status": "ACCEPTED"}
            text = template
            for value in variables:
                text = text.replace(VAR, value, 1)
            message_id = secrets.token_hex(8)
            self.sent[message_id] = {
                "message_id": message_id, "status": "DELIVERED", "to": to, "text": text,
            }  # fmt: skip
            self.by_reference[reference] = message_id
        return 202, {"message_id": message_id, "status": "ACCEPTED"}

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

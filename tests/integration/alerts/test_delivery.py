"""Delivery that loses nothing: each message once per recipient, retried with backoff, dead after
too many failures, and delivered (not twice) after a worker is killed with SIGKILL between the
send and its mark. Channels against real servers: e-mail over SMTP with STARTTLS (aiosmtpd,
started here, with a certificate from a test CA), signed webhooks to a local HTTP server."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from alerts.delivery import (
    Deliverer,
    DeliveryError,
    FeedChannel,
    SmtpChannel,
    SmtpSettings,
    WebhookChannel,
    sign,
    verify,
)
from alerts.directory import Contact, Directory
from alerts.store import AlertStore
from state import Database
from state.outbox import Message, Outbox
from tests.security.certs import TestCA

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
PAYLOAD = {
    "kind": "missing_found",
    "score": 0.93,
    "review": False,
    "own": {"record_id": "cctns:UP-1", "contact": "station:UP/2210"},
    "match": {"record_id": "cctns:UP-2", "contact": "station:UP/1187"},
    "evidence": [{"feature": "age", "weight": 1.7}],
}


def _queue(box: Outbox, n: int, channel: str = "feed", recipient: str = "station:UP/2210") -> None:
    for i in range(n):
        box.add(
            kind="missing_found",
            channel=channel,
            recipient=recipient,
            dedup_key=f"k{i}:{channel}",
            payload=PAYLOAD,
            now=NOW,
        )


def test_a_worker_killed_between_send_and_mark_delivers_once_after_restart(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "alerts.db"
    store = AlertStore(db_path)
    box = Outbox(store.db)
    _queue(box, 3)
    script = f"""
import os, signal
from pathlib import Path
from datetime import datetime, timedelta, UTC
from alerts.delivery import Deliverer, FeedChannel
from alerts.store import AlertStore
from state.outbox import Message, Outbox
store = AlertStore(Path({str(db_path)!r}))
feed = FeedChannel(store, lambda: datetime.now(UTC))
class Dying:
    def send(self, message):
        feed.send(message)
        os.kill(os.getpid(), signal.SIGKILL)  # sent, not yet marked
Deliverer(Outbox(store.db), {{"feed": Dying()}}, worker="doomed",
          lease=timedelta(seconds=30)).run_once()
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=Path.cwd(), timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert len(store.feed(["station:UP/2210"])) == 1  # the first was delivered before the kill
    assert box.counts() == {"pending": 3}
    # a restarted worker: while the dead worker's lease runs, its batch is left alone …
    feed = FeedChannel(store, lambda: NOW)
    early = Deliverer(box, {"feed": feed}, worker="restart", clock=lambda: datetime.now(UTC))
    assert early.run_once().claimed == 0
    # … then all three are sent; the one delivered before the kill is not delivered twice
    later = datetime.now(UTC) + timedelta(minutes=5)
    late = Deliverer(box, {"feed": feed}, worker="restart", clock=lambda: later)
    assert late.run_once().sent == 3
    assert box.counts() == {"sent": 3}
    rows = store.feed(["station:UP/2210"])
    assert len(rows) == 3 and len({r.payload["own"]["record_id"] for r in rows}) == 1
    store.close()


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def send(self, message: Any) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError("gateway down")


def test_failures_back_off_then_succeed_or_go_dead(state_db: Database) -> None:
    box = Outbox(state_db)
    _queue(box, 1, channel="sms")
    flaky = Flaky(failures=2)
    clock = {"now": NOW}
    worker = Deliverer(box, {"sms": flaky}, worker="w", clock=lambda: clock["now"], max_attempts=5)
    assert worker.run_once().failed == 1
    assert worker.run_once().claimed == 0  # not due yet: backing off
    clock["now"] += timedelta(seconds=31)
    assert worker.run_once().failed == 1
    clock["now"] += timedelta(seconds=31)
    assert worker.run_once().claimed == 0  # the second wait is longer (60 s)
    clock["now"] += timedelta(seconds=30)
    assert worker.run_once().sent == 1
    assert box.counts() == {"sent": 1}

    _queue(box, 1, channel="none-such")  # a channel nobody runs: dead after max attempts
    for _ in range(5):
        clock["now"] += timedelta(hours=2)
        worker.run_once()
    assert box.counts() == {"sent": 1, "dead": 1}


# -- e-mail -----------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes, bool]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        tls = session.ssl is not None
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content, tls))
        return "250 OK"


@pytest.fixture
def ca(tmp_path: Path) -> TestCA:
    (tmp_path / "ca").mkdir()
    return TestCA(tmp_path / "ca")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _smtp(handler: Inbox, tls: ssl.SSLContext | None) -> Iterator[Controller]:
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=tls,
        require_starttls=tls is not None,
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def test_email_goes_over_starttls_to_a_real_smtp_server(tmp_path: Path, ca: TestCA) -> None:
    server_cert = ca.server()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(server_cert.cert, server_cert.key)
    inbox = Inbox()
    store = AlertStore(tmp_path / "alerts.db")
    box = Outbox(store.db)
    _queue(box, 2, channel="smtp")
    directory = Directory({"station:UP/2210": Contact(email="ps2210@police.example")})
    for controller in _smtp(inbox, tls):
        port = controller.port
        trust = ssl.create_default_context(cafile=str(ca.cert))
        settings = SmtpSettings(host="127.0.0.1", port=port, tls_context=trust)
        worker = Deliverer(box, {"smtp": SmtpChannel(settings, directory)}, worker="mail")
        assert worker.drain().sent == 2
    assert len(inbox.messages) == 2
    to, raw, over_tls = inbox.messages[0]
    assert to == ["ps2210@police.example"] and over_tls
    mail = message_from_bytes(raw)
    assert mail["Subject"] == "ICJS alert: missing_found"
    assert (
        mail["Message-ID"]
        and mail["Message-ID"] != message_from_bytes(inbox.messages[1][1])["Message-ID"]
    )
    # the body names no one: details stay behind the API
    assert "cctns:UP-2" not in raw.decode() and "station:UP/1187" in raw.decode()
    store.close()


def test_a_server_without_starttls_is_refused(tmp_path: Path) -> None:
    inbox = Inbox()
    store = AlertStore(tmp_path / "alerts.db")
    box = Outbox(store.db)
    _queue(box, 1, channel="smtp")
    directory = Directory({"station:UP/2210": Contact(email="ps2210@police.example")})
    for controller in _smtp(inbox, None):
        port = controller.port
        worker = Deliverer(
            box, {"smtp": SmtpChannel(SmtpSettings("127.0.0.1", port), directory)}, worker="m"
        )
        assert worker.run_once().failed == 1
    assert inbox.messages == []
    assert box.counts() == {"pending": 1}
    store.close()


# -- webhooks ---------------------------------------------------------------------------------


SECRET = b"partner-shared-secret"


def test_webhooks_are_signed_and_a_failing_endpoint_is_retried(tmp_path: Path) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    statuses = [503, 200]

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(statuses.pop(0))
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    store = AlertStore(tmp_path / "alerts.db")
    box = Outbox(store.db)
    _queue(box, 1, channel="webhook", recipient="partner:NIA")
    clock = {"now": datetime.now(UTC)}
    try:
        with httpx.Client(timeout=5) as client:
            channel = WebhookChannel(
                SECRET, Directory({"partner:NIA": Contact(webhook=url)}), client
            )
            worker = Deliverer(box, {"webhook": channel}, worker="h", clock=lambda: clock["now"])
            assert worker.run_once().failed == 1
            clock["now"] += timedelta(minutes=1)
            assert worker.run_once().sent == 1
    finally:
        server.shutdown()
    assert len(received) == 2
    headers, body = received[1]
    signature = headers["X-ICJS-Signature"]
    assert verify(SECRET, signature, body)
    assert not verify(b"another secret", signature, body)
    assert not verify(SECRET, signature, body + b" ")
    stamp = int(signature.split(",")[0].removeprefix("t="))
    assert not verify(SECRET, signature, body, now=stamp + 301)  # outside the replay window
    assert headers["Idempotency-Key"] == received[0][0]["Idempotency-Key"]
    assert json.loads(body)["alert"]["kind"] == "missing_found"
    assert sign(SECRET, stamp, body) == signature
    store.close()


# -- SMS --------------------------------------------------------------------------------------

TEMPLATE_ID = "1107161234567890123"
TEMPLATE = "ICJS alert {#var#} for your report {#var#}. Open the ICJS alerts feed for details."


def test_sms_goes_through_the_gateway_with_the_registered_template_once(tmp_path: Path) -> None:
    from alerts.delivery import SmsChannel, SmsSettings
    from simulators.sms_gateway import SmsGateway

    gateway = SmsGateway(api_key="sms-key", senders={"ICJSAL": {TEMPLATE_ID: TEMPLATE}})
    gateway.start()
    store = AlertStore(tmp_path / "alerts.db")
    box = Outbox(store.db)
    _queue(box, 1, channel="sms")
    directory = Directory({"station:UP/2210": Contact(sms="+919876543210")})
    clock = {"now": datetime.now(UTC)}
    try:
        with httpx.Client(timeout=5) as client:
            good = SmsChannel(
                SmsSettings(gateway.url, "sms-key", "ICJSAL", TEMPLATE_ID), directory, client
            )
            gateway.fail_next(503)
            worker = Deliverer(box, {"sms": good}, worker="s", clock=lambda: clock["now"])
            assert worker.run_once().failed == 1  # gateway down: retried later
            clock["now"] += timedelta(minutes=1)
            assert worker.run_once().sent == 1
            # a repeat (a worker killed after the send, the message claimed again) is
            # recognised by its reference and not sent twice
            again = Message(1, "missing_found", "sms", "station:UP/2210", "k0:sms", PAYLOAD, 1, "")
            good.send(again)
            unregistered = SmsChannel(
                SmsSettings(gateway.url, "sms-key", "ICJSAL", "9999999999999999999"),
                directory,
                client,
            )
            _queue(box, 2, channel="sms")  # k0 exists: one new message (k1)
            refused = Deliverer(box, {"sms": unregistered}, worker="s2", clock=lambda: clock["now"])
            assert refused.run_once().failed == 1
    finally:
        gateway.stop()
    assert len(gateway.sent) == 1
    (sms,) = gateway.sent.values()
    assert sms["to"] == "+919876543210"
    assert sms["text"] == (
        "ICJS alert missing_found for your report UP-1. Open the ICJS alerts feed for details."
    )
    store.close()

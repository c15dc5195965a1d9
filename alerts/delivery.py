"""The delivery worker: claims due messages from the outbox, hands each to its channel, marks it
sent, or schedules a retry with exponential backoff (and `dead` after too many failures).

A worker killed between a send and its `sent` mark leaves the message claimed until the lease
runs out; the next claim sends it again. Every channel makes that second send harmless: the feed
keeps one row per `dedup_key`; an e-mail carries the key as its `Message-ID` and a webhook as its
`Idempotency-Key`, which receivers use to drop repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from state.outbox import Message, Outbox

from .directory import Directory
from .store import AlertStore

log = logging.getLogger("icjs.alerts.delivery")

LEASE = timedelta(minutes=2)
# 30 s, 1 min, 2 min … capped at an hour: a station's mail server down for a night is retried
# through the night, not hammered.
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 12


class DeliveryError(Exception):
    """A send failed in a way a later attempt may not (the channel said so)."""


class Channel(Protocol):
    def send(self, message: Message) -> None: ...


class FeedChannel:
    """Into the recipient's feed (`GET /v1/alerts`)."""

    def __init__(self, store: AlertStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def send(self, message: Message) -> None:
        self.store.deliver(
            recipient=message.recipient,
            kind=message.kind,
            dedup_key=message.dedup_key,
            payload=message.payload,
            now=self.clock(),
        )


def summary_text(payload: Mapping[str, Any]) -> str:
    """A plain-text body that says what kind of match and where to look, not who: the details
    stay behind the API, under the reader's access (an e-mail cannot be recalled)."""
    match = payload.get("match") or {}
    lines = [
        f"ICJS alert: {payload.get('kind')}",
        f"Score: {payload.get('score')}",
        f"Your report: {(payload.get('own') or {}).get('record_id')}",
        f"Matched by: {match.get('contact')}",
        "Open the alerts feed in the ICJS console or API for the details you may see.",
    ]
    if payload.get("review"):
        lines.insert(2, "REVIEW: a record in this match arrived damaged; check before acting.")
    return "\n".join(lines)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    sender: str = "alerts@icjs.example"
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    tls_context: ssl.SSLContext | None = None
    timeout_s: float = 10.0


class SmtpChannel:
    """E-mail over SMTP, upgraded with STARTTLS (refused when the server does not offer it)."""

    def __init__(self, settings: SmtpSettings, directory: Directory) -> None:
        self.settings = settings
        self.directory = directory

    def send(self, message: Message) -> None:
        contact = self.directory.contact(message.recipient)
        to = contact.email if contact else None
        if not to:
            raise DeliveryError(f"no e-mail address for {message.recipient}")
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = to
        mail["Subject"] = f"ICJS alert: {message.kind}"
        digest = hashlib.sha256(message.dedup_key.encode()).hexdigest()[:32]
        mail["Message-ID"] = f"<{digest}@icjs.alerts>"
        mail.set_content(summary_text(message.payload))
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout_s) as smtp:
                smtp.ehlo()
                if s.starttls:
                    if not smtp.has_extn("starttls"):
                        raise DeliveryError(f"{s.host}:{s.port} does not offer STARTTLS")
                    smtp.starttls(context=s.tls_context or ssl.create_default_context())
                    smtp.ehlo()
                if s.username and s.password:
                    smtp.login(s.username, s.password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {s.host}:{s.port}: {type(exc).__name__}: {exc}") from exc


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """`v1=` HMAC-SHA256 over `"{timestamp}." + body`, as Stripe signs its webhooks: the
    receiver recomputes it and refuses a timestamp outside its replay window."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(
    secret: bytes, header: str, body: bytes, *, now: float | None = None, window_s: int = 300
) -> bool:
    """What a receiver does: the signature matches and the timestamp is within the window."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - stamp) > window_s:
        return False
    expected = sign(secret, stamp, body)
    return hmac.compare_digest(expected, header)


class WebhookChannel:
    """A signed POST to a partner agency's endpoint (`X-ICJS-Signature`, `Idempotency-Key`)."""

    def __init__(self, secret: bytes, directory: Directory, client: httpx.Client) -> None:
        self.secret = secret
        self.directory = directory
        self.client = client

    def send(self, message: Message) -> None:
        contact = self.directory.contact(message.recipient)
        url = contact.webhook if contact else None
        if not url:
            raise DeliveryError(f"no webhook for {message.recipient}")
        body = json.dumps(
            {"kind": message.kind, "id": message.dedup_key, "alert": message.payload},
            sort_keys=True,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-ICJS-Signature": sign(self.secret, int(time.time()), body),
            "Idempotency-Key": hashlib.sha256(message.dedup_key.encode()).hexdigest(),
        }
        try:
            answer = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {url}: {type(exc).__name__}") from exc
        if answer.status_code >= 300:
            raise DeliveryError(f"webhook {url}: HTTP {answer.status_code}")


@dataclass(frozen=True)
class SmsSettings:
    url: str
    api_key: str
    sender_id: str  # DLT header
    template_id: str  # DLT content template: "ICJS alert {#var#} for your report {#var#}. …"


class SmsChannel:
    """SMS through an HTTP gateway (`docs/sms-gateway.md`): the registered template, filled with
    the alert's kind and the reader's own report id, nothing that names anyone."""

    def __init__(self, settings: SmsSettings, directory: Directory, client: httpx.Client) -> None:
        self.settings = settings
        self.directory = directory
        self.client = client

    def send(self, message: Message) -> None:
        contact = self.directory.contact(message.recipient)
        to = contact.sms if contact else None
        if not to:
            raise DeliveryError(f"no SMS number for {message.recipient}")
        own = str((message.payload.get("own") or {}).get("record_id") or "-")
        body = {
            "sender_id": self.settings.sender_id,
            "template_id": self.settings.template_id,
            "to": to,
            "variables": [message.kind[:30], own.split(":", 1)[-1][:30]],
            "reference": hashlib.sha256(message.dedup_key.encode()).hexdigest()[:64],
        }
        try:
            answer = self.client.post(
                f"{self.settings.url.rstrip('/')}/v1/sms",
                json=body,
                headers={"X-API-Key": self.settings.api_key},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway: {type(exc).__name__}") from exc
        if answer.status_code not in (200, 202):
            raise DeliveryError(f"SMS gateway: HTTP {answer.status_code} {answer.text[:200]}")


def backoff(attempts: int) -> timedelta:
    wait: timedelta = FIRST_RETRY * (2 ** min(max(0, attempts), 20))
    return min(MAX_RETRY, wait)


@dataclass
class Round:
    claimed: int = 0
    sent: int = 0
    failed: int = 0


class Deliverer:
    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        *,
        worker: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.max_attempts = max_attempts
        self.outbox = outbox
        self.channels = dict(channels)
        self.worker = worker
        self.clock = clock
        self.lease = lease

    def run_once(self, limit: int = 50) -> Round:
        """Claim and send what is due now; one round."""
        out = Round()
        for message in self.outbox.claim(
            self.worker, now=self.clock(), lease=self.lease, limit=limit
        ):
            out.claimed += 1
            channel = self.channels.get(message.channel)
            try:
                if channel is None:
                    raise DeliveryError(f"no channel {message.channel!r} on this worker")
                channel.send(message)
            except DeliveryError as exc:
                out.failed += 1
                log.warning("alert %s to %s failed: %s", message.id, message.recipient, exc)
                self.outbox.failed(
                    message.id,
                    self.worker,
                    str(exc),
                    now=self.clock(),
                    retry_in=backoff(message.attempts),
                    max_attempts=self.max_attempts,
                )
                continue
            self.outbox.sent(message.id, self.worker, now=self.clock())
            out.sent += 1
        return out

    def drain(self, limit: int = 50, rounds: int = 1000) -> Round:
        """Rounds until nothing due is left (what the demo and `icjs alerts deliver` run)."""
        total = Round()
        for _ in range(rounds):
            got = self.run_once(limit)
            total.claimed += got.claimed
            total.sent += got.sent
            total.failed += got.failed
            if got.claimed == 0:
                break
        return total

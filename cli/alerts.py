"""`icjs alerts deliver`: the delivery worker (outbox → feeds, e-mail, webhooks), once or
`--watch`; `icjs alerts status`: the outbox by status (pending, sent, dead letters)."""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from config import load_settings

if TYPE_CHECKING:
    from alerts.delivery import Channel
    from alerts.store import AlertStore
    from config import Settings

alerts_app = typer.Typer(help="Alerts: deliver what the syncs queued; the outbox's state.")


def channels_for(settings: Settings, store: AlertStore) -> dict[str, Channel]:
    """The feed always; e-mail when `alerts.smtp_host` is set; webhooks when a signing secret
    is (`ICJS_ALERTS__WEBHOOK_SECRET`)."""
    import httpx

    from alerts.delivery import (
        FeedChannel,
        SmsChannel,
        SmsSettings,
        SmtpChannel,
        SmtpSettings,
        WebhookChannel,
    )
    from alerts.directory import Directory

    a = settings.alerts
    directory = (
        Directory.load(a.directory) if a.directory is not None and a.directory.exists() else None
    )
    out: dict[str, Channel] = {"feed": FeedChannel(store, lambda: datetime.now(UTC))}
    if directory is not None and a.smtp_host:
        out["smtp"] = SmtpChannel(
            SmtpSettings(
                host=a.smtp_host,
                port=a.smtp_port,
                sender=a.smtp_sender,
                starttls=a.smtp_starttls,
                username=a.smtp_username,
                password=a.smtp_password.get_secret_value() if a.smtp_password else None,
            ),
            directory,
        )
    if directory is not None and a.sms_url and a.sms_api_key and a.sms_sender_id:
        out["sms"] = SmsChannel(
            SmsSettings(
                a.sms_url,
                a.sms_api_key.get_secret_value(),
                a.sms_sender_id,
                a.sms_template_id or "",
            ),
            directory,
            httpx.Client(timeout=10),
        )
    if directory is not None and a.webhook_secret is not None:
        out["webhook"] = WebhookChannel(
            a.webhook_secret.get_secret_value().encode(), directory, httpx.Client(timeout=10)
        )
    return out


def deliver_once(settings: Settings) -> dict[str, int]:
    from alerts.delivery import Deliverer
    from alerts.store import AlertStore
    from state.databases import StateDatabases
    from state.outbox import Outbox

    state = StateDatabases.open(settings)
    store = AlertStore(state.alerts)
    try:
        worker = f"{socket.gethostname()}:{os.getpid()}"
        done = Deliverer(Outbox(store.db), channels_for(settings, store), worker=worker).drain()
        return {"claimed": done.claimed, "sent": done.sent, "failed": done.failed}
    finally:
        store.close()
        state.close()


@alerts_app.command("deliver")
def deliver(
    watch: Annotated[bool, typer.Option(help="Keep delivering every --interval seconds.")] = False,
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between rounds.")] = 5.0,
) -> None:
    """Send what the outbox holds that is due: into each desk's feed, and by e-mail and webhook
    where the directory has a contact. Retries back off; 12 failures make a dead letter."""
    settings = load_settings()
    while True:
        typer.echo(json.dumps(deliver_once(settings)))
        if not watch:
            return
        time.sleep(interval)


@alerts_app.command("status")
def status() -> None:
    """The outbox by status: pending, sent, dead (dead letters: look at `last_error`)."""
    from state.databases import StateDatabases
    from state.outbox import Outbox

    state = StateDatabases.open(load_settings())
    try:
        box = Outbox(state.alerts)
        typer.echo(json.dumps(box.counts(), sort_keys=True))
        box.close()
    finally:
        state.close()


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")


__all__ = ["channels_for", "deliver_once", "register"]

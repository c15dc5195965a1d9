"""The demo's alerts: a directory of the world's police stations and district desks (each with
a demo e-mail address), a local SMTP server that keeps what it receives under `mail/`, and one
delivery round after the sync, so that `make demo` shows alerts arriving in feeds and by e-mail.

The local server is a loopback sink for the demo only: it offers no STARTTLS, so the demo's
config sets `smtp_starttls = false` (production keeps the default, which refuses such a server).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from config import Settings
from simulators.harness import Running


def write_directory(running: Running, path: Path) -> int:
    """Every CCTNS police station and KhoyaPaya district desk of the world, with an address."""
    stations = running.store.query(
        "SELECT DISTINCT json_extract(body, '$.STATE_CD'), json_extract(body, '$.PS_CD'),"
        " json_extract(body, '$.DISTRICT_NAME'), json_extract(body, '$.PS_NAME')"
        " FROM rows WHERE source = 'cctns'"
    )
    desks = running.store.query(
        "SELECT DISTINCT json_extract(body, '$.state'), json_extract(body, '$.district')"
        " FROM rows WHERE source = 'khoyapaya'"
    )
    out: dict[str, dict[str, Any]] = {}
    for state, code, district, name in stations:
        if state and code:
            out[f"station:{state}/{code}"] = {
                "name": f"{name} PS" if name else None,
                "district": str(district).upper() if district else None,
                "email": f"ps{code}@{str(state).lower()}.police.demo",
            }
    for state, district in desks:
        if state and district:
            desk = " ".join(str(district).split()).upper()
            out[f"district:{state}/{desk}"] = {
                "name": f"{desk} district desk",
                "district": desk,
                "email": f"{desk.lower().replace(' ', '-')}@{str(state).lower()}.police.demo",
            }
    path.write_text(json.dumps(out, indent=1, sort_keys=True), encoding="utf-8")
    return len(out)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_mail_sink(folder: Path, port: int) -> Callable[[], None] | None:
    """A local SMTP server writing each message to `folder`; its stop, or None when aiosmtpd
    is not installed (it comes with the dev extras `make` installs)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        return None
    folder.mkdir(parents=True, exist_ok=True)

    class Sink:
        count = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Sink.count += 1
            (folder / f"{Sink.count:05d}.eml").write_bytes(envelope.original_content)
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller.stop


def alerts_config(directory: Path, smtp_port: int) -> str:
    return (
        "\n[alerts]\n"
        f"directory = {json.dumps(str(directory))}\n"
        'smtp_host = "127.0.0.1"\n'
        f"smtp_port = {smtp_port}\n"
        "smtp_starttls = false  # the demo's loopback sink; production keeps STARTTLS\n"
    )


def deliver_and_show(settings: Settings, console: Console, mail: Path) -> None:
    from cli.alerts import deliver_once
    from state.databases import StateDatabases
    from state.outbox import Outbox

    done = deliver_once(settings)
    state = StateDatabases.open(settings)
    try:
        box = Outbox(state.alerts)
        counts = box.counts()
        box.close()
    finally:
        state.close()
    mails = len(list(mail.glob("*.eml"))) if mail.exists() else 0
    console.print(
        f"alerts delivered: {done['sent']} (outbox {counts}); "
        f"{mails} e-mails received by the local SMTP server (in {mail})"
    )

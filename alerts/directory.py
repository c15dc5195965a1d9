"""Police stations and desks, and how to reach them: configuration, not code.

A directory file (JSON) maps a recipient (`station:MH/0412`, `district:DL/EAST DELHI`,
`noc:<holder>`) to its contacts:

    {"station:MH/0412": {"name": "Shivajinagar PS", "email": "ps0412@police.example",
                          "webhook": "https://partner.example/alerts"}}

A recipient the directory does not know still gets its feed (`GET /v1/alerts`); the other
channels need a contact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    district: str | None = None  # upper case, as the sources write it
    email: str | None = None
    webhook: str | None = None
    sms: str | None = None

    def address(self, channel: str) -> str | None:
        return {"smtp": self.email, "webhook": self.webhook, "sms": self.sms}.get(channel)


class Directory:
    def __init__(self, entries: dict[str, Contact] | None = None) -> None:
        self.entries = dict(entries or {})

    @classmethod
    def load(cls, path: Path) -> Directory:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls({k: Contact(**v) for k, v in data.items()})

    def contact(self, recipient: str) -> Contact | None:
        return self.entries.get(recipient)

    def stations(self, states: Iterable[str], districts: Iterable[str] = ()) -> list[str]:
        """The police stations (`station:` recipients) in `states`, narrowed to `districts`
        when any are named (`STATE/DISTRICT` or a district name)."""
        wanted_states = {s.upper() for s in states}
        wanted = {" ".join(d.split()).upper() for d in districts}
        out = []
        for recipient, contact in sorted(self.entries.items()):
            if not recipient.startswith("station:"):
                continue
            state = recipient.removeprefix("station:").split("/", 1)[0]
            district = (contact.district or "").upper()
            in_district = district in wanted or f"{state}/{district}" in wanted
            if (state in wanted_states and (not wanted or in_district)) or (
                wanted and in_district and not wanted_states
            ):
                out.append(recipient)
        return out

    def channels(self, recipient: str) -> list[str]:
        """Channels beyond the feed that can reach `recipient`."""
        contact = self.entries.get(recipient)
        if contact is None:
            return []
        return [c for c in ("smtp", "webhook", "sms") if contact.address(c)]

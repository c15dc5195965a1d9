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
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Contact:
    name: str | None = None
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

    def channels(self, recipient: str) -> list[str]:
        """Channels beyond the feed that can reach `recipient`."""
        contact = self.entries.get(recipient)
        if contact is None:
            return []
        return [c for c in ("smtp", "webhook", "sms") if contact.address(c)]

"""A world's ground truth, as `icjs simulate --truth` (or any generator keeping its format)
writes it: one JSON object per line, `{"type": "record", "record_id", "status", "people":
{person id: role}}`. Only what the benchmark needs: who each live record is about."""

from __future__ import annotations

import json
from pathlib import Path

# Roles that make a record *about* a person (a complainant is not; nor a reporting guardian,
# whom a generator may list).
NOT_ABOUT = frozenset({"complainant", "guardian", "reporter", "contact"})


# Live records, and damaged ones (a damaged record that keeps its id and a name is indexed with
# its data issues, and is still about its person).
INDEXED = frozenset({"live", "bad"})


def load_truth(path: Path) -> dict[str, frozenset[str]]:
    """record id → the people it is about, for records that may be in the index."""
    out: dict[str, frozenset[str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("type") != "record" or row.get("status") not in INDEXED:
                continue
            people = row.get("people") or {}
            about = frozenset(pid for pid, role in people.items() if role not in NOT_ABOUT)
            if about:
                out[row["record_id"]] = about
    return out

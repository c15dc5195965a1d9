"""The toy source's simulator: three people, served as the contract in `connector.py` says."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Header, HTTPException

API_KEY = "toy-key"
PEOPLE = [
    {"id": "T1", "name": "Ramesh Kumar Yadav", "father": "Suresh Yadav"},
    {"id": "T2", "name": "Anil Sharma", "father": "Mohan Sharma"},
    {"id": "T3", "name": "Farida Begum", "father": None},
]
UPDATED = "2024-05-01T10:00:00+05:30"

app = FastAPI()


@app.get("/people")
def people(
    offset: int = 0, limit: int = 2, x_api_key: str | None = Header(default=None)
) -> dict[str, Any]:
    if x_api_key != API_KEY:
        raise HTTPException(401, "bad API key")
    page = [{**p, "updated_at": UPDATED} for p in PEOPLE[offset : offset + limit]]
    following = offset + limit if offset + limit < len(PEOPLE) else None
    return {"results": page, "next_offset": following}

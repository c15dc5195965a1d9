"""Hit-flag access over HTTP with real OAuth2 tokens (#19 item 3): a partner client searching
sources outside its entitlement is told that records exist, where, and whom to ask (not the
records, and not nothing); a request approved by a supervisor of the owning agency opens them to
that client only, until the grant ends; a supervisor of another agency cannot approve; the
hidden records change neither the counts nor the order of what the client sees."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from auth.principal import Caller, Role
from config.settings import SearchSettings
from federation.access import AccessService, NotYours
from indexer import open_backend
from records import Identifier, IdType, Kind, Person, Source
from state.schema import outbox
from tests.plugins.api import LiveApi, api_settings_for, api_world, fill, start_api
from tests.plugins.backends import make

PURPOSE = "RC 0042/2026 CBI ACB Mumbai"
CCTNS_RECORD = "cctns:MH-PS0412-2024-0123-A1"
HIDDEN_WORDS = ("RAJU", "PAPPU", "SHANKAR", "GANESH", "MH-PS0412", "YERAWADA", "1990")
# An arms licence whose state the source did not write (or the connector could not read): no
# state police owns it, its source's national owner (MHA) does.
STATELESS = make(
    Source.ALIS,
    "XX/2019/0042",
    Kind.ARMS_LICENCE,
    status="ACTIVE",
    state=None,
    people=(Person(name="RAJENDRA SHANKAR PATIL", relative_name="SHANKAR PATIL", birth_year=1990),),
    identifiers=(Identifier(type=IdType.ARMS_LICENCE, value="XX/2019/0042"),),
)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    settings = api_settings_for(tmp_path, rate_limit_per_minute=100_000)
    backend = fill(
        open_backend(SearchSettings(backend="embedded", path=tmp_path / "world.db")),
        [*api_world(), STATELESS],
    )
    try:
        with start_api(settings, backend) as live:
            yield live
    finally:
        backend.close()


def _cbi(api: LiveApi) -> str:
    return api.partner(
        agency="CBI",
        sources=[Source.SARATHI],
        scopes=["persons:search", "persons:read", "vehicles:search", "access:request"],
    )


def _search(api: LiveApi, token: str, **body: Any) -> dict[str, Any]:
    body.setdefault("purpose", PURPOSE)
    response = api.post("/v1/persons/search", token, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _record_ids(result: dict[str, Any]) -> set[str]:
    return {r["record_id"] for p in result["profiles"] for r in p["records"]}


def _request(api: LiveApi, token: str, handle: str) -> dict[str, Any]:
    made = api.post(
        "/v1/access/requests",
        token,
        json={"handle": handle, "reason": "co-accused in a CBI case", "case_reference": PURPOSE},
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    assert made.headers["Location"] == f"/v1/access/requests/{body['request_id']}"
    return body


def _cctns_hit(result: dict[str, Any]) -> dict[str, Any]:
    hits = [h for h in result["hits"] if h["source"] == "cctns" and h["state"] == "MH"]
    assert len(hits) == 1, result["hits"]
    return hits[0]


def test_a_partner_is_told_a_record_exists_outside_its_entitlement_and_nothing_more(
    api: LiveApi,
) -> None:
    token = _cbi(api)
    result = _search(api, token, name="Rajendra Shankar Patil")
    # the record it may see, in full; the ones it may not, as hit-flags: not silence
    assert _record_ids(result) == {"sarathi:MH1420110062821"}
    sources = {h["source"] for h in result["hits"]}
    assert {"cctns", "eprisons"} <= sources
    hit = _cctns_hit(result)
    assert hit["owner"] == "MH Police"
    assert "supervisor of MH Police" in hit["contact"]
    assert set(hit) == {
        "handle",
        "source",
        "state",
        "district",
        "police_station",
        "owner",
        "contact",
    }
    text = json.dumps(result["hits"]).upper()
    for word in HIDDEN_WORDS:
        assert word not in text, f"{word} leaks through a hit-flag"
    # hits are ordered by place, not by score
    places = [
        (h["source"], h["state"] or "", h["district"] or "", h["police_station"] or "")
        for h in result["hits"]
    ]
    assert places == sorted(places)
    # a fresh handle on every answer: two answers cannot be linked by their handles
    again = _search(api, token, name="Rajendra Shankar Patil")
    assert _cctns_hit(again)["handle"] != hit["handle"]


def test_hidden_records_change_neither_counts_nor_order(api: LiveApi) -> None:
    """The same search with and without the sources answered as hit-flags: what the client
    sees (profiles, their order, scores, candidates) is the same."""
    token = _cbi(api)
    full = _search(api, token, name="Rajendra Patil")
    own = _search(api, token, name="Rajendra Patil", sources=["sarathi"])
    assert full["hits"] and not own["hits"]
    for key in ("candidates", "matched_records", "withheld"):
        assert full[key] == own[key], key
    assert [(p["profile_id"], p["confidence"]) for p in full["profiles"]] == [
        (p["profile_id"], p["confidence"]) for p in own["profiles"]
    ]
    # asking with a higher floor does not move the hit-flags (their score is not for sale)
    strict = _search(api, token, name="Rajendra Patil", min_score=0.99)
    assert [(h["source"], h["state"]) for h in strict["hits"]] == [
        (h["source"], h["state"]) for h in full["hits"]
    ]


def test_approved_by_the_owning_agency_the_record_opens_until_the_grant_ends(
    api: LiveApi,
) -> None:
    token = _cbi(api)
    hit = _cctns_hit(_search(api, token, name="Rajendra Shankar Patil"))
    filed = _request(api, token, hit["handle"])
    assert filed["status"] == "pending" and filed["owner"] == "MH Police"
    assert filed["profile_id"] is None

    # a supervisor of another agency neither sees it pending nor may decide it
    karnataka = api.officer(role=Role.SUPERVISOR, state="KA", district="BENGALURU")
    waiting = api.get("/v1/access/pending", karnataka, params={"purpose": PURPOSE})
    assert waiting.status_code == 200
    assert filed["request_id"] not in {r["request_id"] for r in waiting.json()["requests"]}
    path = f"/v1/access/requests/{filed['request_id']}/decision"
    refused = api.post(path, karnataka, json={"decision": "approve", "reason": "looks fine"})
    assert refused.status_code == 403, refused.text
    # an officer (no access:decide) cannot either, nor can the requester
    for who in (api.officer(), token):
        denied = api.post(path, who, json={"decision": "approve", "reason": "x y z"})
        assert denied.status_code == 403

    maharashtra = api.officer(role=Role.SUPERVISOR, state="MH", subject="sup-mh-1")
    waiting = api.get("/v1/access/pending", maharashtra, params={"purpose": PURPOSE}).json()
    assert filed["request_id"] in {r["request_id"] for r in waiting["requests"]}
    approved = api.post(path, maharashtra, json={"decision": "approve", "reason": "RC verified"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "supervisor:sup-mh-1"
    # decided once
    again = api.post(path, maharashtra, json={"decision": "refuse", "reason": "changed mind"})
    assert again.status_code == 409

    # the requester sees the status, and the record: in his searches and by the profile id
    status = api.get(f"/v1/access/requests/{filed['request_id']}", token).json()
    assert status["status"] == "approved" and status["expires_at"]
    result = _search(api, token, name="Rajendra Shankar Patil")
    assert CCTNS_RECORD in _record_ids(result)
    assert all(h["source"] != "cctns" or h["state"] != "MH" for h in result["hits"])
    opened = api.get(f"/v1/persons/{status['profile_id']}", token, params={"purpose": PURPOSE})
    assert opened.status_code == 200, opened.text
    assert CCTNS_RECORD in {r["record_id"] for r in opened.json()["records"]}

    # only that requester: another CBI client still gets the hit-flag
    other = _cbi(api)
    assert CCTNS_RECORD not in _record_ids(_search(api, other, name="Rajendra Shankar Patil"))
    assert api.get(f"/v1/access/requests/{filed['request_id']}", other).status_code == 404

    # after the grant ends, a hit-flag again
    service: AccessService = api.app.state.access
    later = datetime.now(UTC) + timedelta(hours=169)
    service.clock = lambda: later
    result = _search(api, token, name="Rajendra Shankar Patil")
    assert CCTNS_RECORD not in _record_ids(result)
    _cctns_hit(result)
    assert api.get(f"/v1/access/requests/{filed['request_id']}", token).json()["status"] == (
        "expired"
    )
    # the grant's profile id now answers the hit-flag again, not the record
    gone = api.get(f"/v1/persons/{status['profile_id']}", token, params={"purpose": PURPOSE})
    assert gone.status_code == 403 and gone.json()["type"] == "urn:icjs:problem:hit-flag"
    assert CCTNS_RECORD not in gone.text


def test_a_refusal_opens_nothing(api: LiveApi) -> None:
    """A refused request opens nothing; a client (no feed) reads the status."""
    token = _cbi(api)
    hit = _cctns_hit(_search(api, token, name="Rajendra Shankar Patil"))
    filed = _request(api, token, hit["handle"])
    supervisor = api.officer(role=Role.SUPERVISOR, state="MH", subject="sup-mh-2")
    path = f"/v1/access/requests/{filed['request_id']}/decision"
    refused = api.post(path, supervisor, json={"decision": "refuse", "reason": "not our case"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert CCTNS_RECORD not in _record_ids(_search(api, token, name="Rajendra Shankar Patil"))


def test_a_supervisor_may_not_decide_his_own_request(api: LiveApi) -> None:
    service: AccessService = api.app.state.access
    supervisor = Caller(subject="sup-mh-3", role=Role.SUPERVISOR, scopes=frozenset(), state="MH")
    service._rows.add(
        {
            "request_id": "ar_self",
            "created_at": datetime.now(UTC).isoformat(),
            "requester": service.requester(supervisor),
            "requester_agency": "MH Police",
            "record_ids": [CCTNS_RECORD],
            "source": "cctns",
            "owner_state": "MH",
            "police_station": None,
            "reason": "mine",
            "case_reference": PURPOSE,
            "status": "pending",
            "decided_by": None,
            "decided_at": None,
            "decision_reason": None,
            "expires_at": None,
        }
    )
    assert service.pending(supervisor) == []
    with pytest.raises(NotYours):
        service.decide(supervisor, "ar_self", approve=True, reason="I say so")
    colleague = Caller(subject="sup-mh-4", role=Role.SUPERVISOR, scopes=frozenset(), state="MH")
    decided = service.decide(colleague, "ar_self", approve=True, reason="checked")
    assert decided is not None and decided.status.value == "approved"
    with api.app.state.alerts.db.read() as conn:  # the requester is told on his feed
        told = conn.execute(
            sa.select(outbox.c.recipient, outbox.c.kind).where(outbox.c.kind == "access_decided")
        ).all()
    assert ("officer:sup-mh-3", "access_decided") in told


def test_a_vehicle_search_answers_hit_flags_for_unentitled_sources(api: LiveApi) -> None:
    token = _cbi(api)
    response = api.post(
        "/v1/vehicles/search", token, json={"registration_no": "KA05MN4321", "purpose": PURPOSE}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["vehicles"] == []
    assert [(h["source"], h["state"]) for h in body["hits"]] == [("vahan", "KA")]
    assert "LATHA" not in json.dumps(body).upper()


def test_a_profile_read_lists_the_linked_records_as_hit_flags(api: LiveApi) -> None:
    """The Sarathi licence the client may see is linked at index time (the DL) to the CCTNS
    accused and, through the FIR, to the e-Prisons inmate: opening it names where those are."""
    token = _cbi(api)
    found = _search(api, token, name="Rajendra Shankar Patil")
    profile = found["profiles"][0]
    assert profile["hits"] == []  # a search lists its hit-flags once, at the top
    opened = api.get(f"/v1/persons/{profile['profile_id']}", token, params={"purpose": PURPOSE})
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert {r["record_id"] for r in body["records"]} == {"sarathi:MH1420110062821"}
    assert "cctns" in {h["source"] for h in body["hits"]}
    text = json.dumps(body["hits"]).upper()
    for word in HIDDEN_WORDS:
        assert word not in text


def test_a_profile_all_of_whose_records_are_hit_flags_answers_them_and_how_to_ask(
    api: LiveApi,
) -> None:
    """Opening (or printing) a profile id whose records the client is answered only as
    hit-flags gives the hit-flags and the way to request access, not a bare 404; an id whose
    records are withheld outright (a sexual-offence case) stays 404."""
    token = _cbi(api)
    profile_id = api.app.state.persons.ids.issue([CCTNS_RECORD])
    for path in (f"/v1/persons/{profile_id}", f"/v1/profiles/{profile_id}/docket"):
        response = api.get(path, token, params={"purpose": PURPOSE})
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["type"] == "urn:icjs:problem:hit-flag"
        assert [(h["source"], h["state"], h["owner"]) for h in body["hits"]] == [
            ("cctns", "MH", "MH Police")
        ]
        assert "supervisor of MH Police" in body["hits"][0]["contact"]
        assert body["request_access"]["method"] == "POST"
        assert body["request_access"]["href"] == "/v1/access/requests"
        assert set(body["request_access"]["body"]) == {"handle", "reason", "case_reference"}
        text = json.dumps(body).upper()
        for word in HIDDEN_WORDS:
            assert word not in text, f"{word} leaks through a hit-flag answer"
    # the handle is good for a request, which names the records behind the id
    filed = _request(api, token, body["hits"][0]["handle"])
    assert filed["source"] == "cctns" and filed["owner"] == "MH Police"
    # withheld outright: nothing to tell
    hidden = api.app.state.persons.ids.issue(["cctns:UP-PS2210-2023-0077-A1"])
    response = api.get(f"/v1/persons/{hidden}", token, params={"purpose": PURPOSE})
    assert response.status_code == 404
    assert "hits" not in response.json()


def test_a_record_without_a_state_is_decided_by_its_source_s_national_owner(
    api: LiveApi,
) -> None:
    token = _cbi(api)
    result = _search(api, token, name="Rajendra Shankar Patil")
    hits = [h for h in result["hits"] if h["source"] == "alis"]
    assert len(hits) == 1 and hits[0]["state"] is None
    assert hits[0]["owner"] == "MHA (national owner)"
    assert "supervisor of MHA (national owner)" in hits[0]["contact"]
    filed = _request(api, token, hits[0]["handle"])
    assert filed["owner"] == "MHA (national owner)"
    path = f"/v1/access/requests/{filed['request_id']}/decision"
    # no state's supervisor decides it...
    maharashtra = api.officer(role=Role.SUPERVISOR, state="MH", subject="sup-mh-9")
    waiting = api.get("/v1/access/pending", maharashtra, params={"purpose": PURPOSE}).json()
    assert filed["request_id"] not in {r["request_id"] for r in waiting["requests"]}
    refused = api.post(path, maharashtra, json={"decision": "approve", "reason": "not ours"})
    assert refused.status_code == 403
    # ...a supervisor of the national owner does
    demo = api.auth.demo
    assert demo is not None
    mha = demo.mint(role=Role.SUPERVISOR, state="DL", agency="MHA", subject="sup-mha-1")
    waiting = api.get("/v1/access/pending", mha, params={"purpose": PURPOSE}).json()
    assert filed["request_id"] in {r["request_id"] for r in waiting["requests"]}
    approved = api.post(path, mha, json={"decision": "approve", "reason": "licence verified"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["decided_by"] == "supervisor:sup-mha-1"
    assert STATELESS.record_id in _record_ids(_search(api, token, name="Rajendra Shankar Patil"))


def test_a_partner_client_is_marked_per_registration(api: LiveApi) -> None:
    """Hit-flag marking per client, not only per role: a client entitled to Sarathi and CCTNS
    whose registration marks CCTNS is told only that its CCTNS records exist, and is silent on
    the sources outside its entitlement it does not mark; a client marked `none` gets no
    hit-flag at all; a client left to the default gets every source outside its entitlement;
    a change of marking holds for a live token at once."""
    scopes = ["persons:search", "persons:read", "access:request"]
    name = "Rajendra Shankar Patil"
    marked_id, secret = api.register(
        agency="NIA", sources=[Source.SARATHI, Source.CCTNS], hit_flag=[Source.CCTNS], scopes=scopes
    )
    marked = api.client_token(marked_id, secret)
    result = _search(api, marked, name=name)
    assert _record_ids(result) == {"sarathi:MH1420110062821"}  # CCTNS not in full...
    assert {h["source"] for h in result["hits"]} == {"cctns"}  # ...but flagged; the rest silent
    # the marked source's records follow a request, as any hit-flag's
    filed = _request(api, marked, _cctns_hit(result)["handle"])
    supervisor = api.officer(role=Role.SUPERVISOR, state="MH", subject="sup-mh-7")
    path = f"/v1/access/requests/{filed['request_id']}/decision"
    decided = api.post(path, supervisor, json={"decision": "approve", "reason": "RC verified"})
    assert decided.status_code == 200, decided.text
    assert CCTNS_RECORD in _record_ids(_search(api, marked, name=name))

    silent_id, secret = api.register(
        agency="RPF", sources=[Source.SARATHI], hit_flag=[], scopes=scopes
    )
    silent = api.client_token(silent_id, secret)
    result = _search(api, silent, name=name)
    assert _record_ids(result) == {"sarathi:MH1420110062821"} and result["hits"] == []

    default = _cbi(api)
    assert {"cctns", "eprisons", "alis"} <= {
        h["source"] for h in _search(api, default, name=name)["hits"]
    }

    # re-marking the silent client: its live token is answered the new way at once
    api.auth.clients.set_hit_flag(silent_id, [Source.EPRISONS])
    assert {h["source"] for h in _search(api, silent, name=name)["hits"]} == {"eprisons"}
    api.auth.clients.set_hit_flag(silent_id, None)
    assert {"cctns", "eprisons"} <= {h["source"] for h in _search(api, silent, name=name)["hits"]}

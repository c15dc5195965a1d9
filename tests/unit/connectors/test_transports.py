"""Each transport's own failure modes, with respx: e-Prisons offsets and reconciliation, ALIS
files (If-Modified-Since, Range resume, SHA-256, CSV by header), IVFRT XML, KhoyaPaya `next`
links, Vahan and Sarathi point look-ups, NCRP mapping."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import httpx
import pytest
import respx

from config import SourceSettings
from connectors import states
from connectors.errors import SourceError
from connectors.registry import open_connector
from connectors.replay import replay_quarantine
from connectors.sources.eprisons.connector import ReconcileShifted
from records import IdType, PersonRole, Sensitivity, Source
from state.sync import StateStore
from tests.unit.connectors.fakes import FAST, T0, sync

# -- e-Prisons ---------------------------------------------------------------------------------

EP = "http://ep.test/api"
EP_SOURCES = {"eprisons": SourceSettings(url=EP, client_id="c", client_secret="s", page_size=3)}


def inmate(pid: str, minutes: float, **kw: Any) -> dict[str, Any]:
    row = {
        "prisonerId": pid,
        "name": "K. Murugan",
        "nameLocal": "க. முருகன்",
        "fatherName": "Kandasamy",
        "gender": "MALE",
        "age": 41,
        "dateOfAdmission": "2023-11-02",
        "prison": {"name": "Central Prison Puzhal", "state": "TN", "district": "Chennai"},
        "cases": [{"firNumber": "0456/2023", "policeStation": "Tambaram", "psCode": "1102"}],
        "category": "UNDERTRIAL",
        "releaseDate": None,
        "updatedAt": (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"),
    }
    row.update(kw)
    return row


class FakePrisons:
    """Offset paging over a live table: `on_request` may change the table between pages."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.requests: list[dict[str, str]] = []
        self.on_request: Any = None
        self.ids_override: list[list[str]] | None = None

    def ordered(self, since: str | None) -> list[dict[str, Any]]:
        bound = datetime.fromisoformat(since) if since else None
        rows = [
            r for r in self.rows if bound is None or datetime.fromisoformat(r["updatedAt"]) >= bound
        ]
        return sorted(rows, key=lambda r: (r["updatedAt"], r["prisonerId"]))

    def inmates(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer tok"
        params = dict(request.url.params)
        self.requests.append(params)
        if self.on_request:
            self.on_request(len(self.requests))
        rows = self.ordered(params.get("from"))
        offset, limit = int(params["offset"]), int(params["limit"])
        return httpx.Response(
            200, json={"total": len(rows), "items": rows[offset : offset + limit]}
        )

    def ids(self, request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        listed = sorted(r["prisonerId"] for r in self.rows)
        if self.ids_override is not None:
            listed = (
                self.ids_override.pop(0) if len(self.ids_override) > 1 else self.ids_override[0]
            )
        return httpx.Response(
            200, json={"total": len(listed), "ids": listed[offset : offset + limit]}
        )


def mock_prisons(fake: FakePrisons) -> None:
    respx.post(f"{EP}/oauth/token").mock(
        return_value=httpx.Response(200, json={"access_token": "tok", "expires_in": 900})
    )
    respx.get(f"{EP}/inmates/ids").mock(side_effect=fake.ids)
    respx.get(f"{EP}/inmates").mock(side_effect=fake.inmates)


@respx.mock
async def test_eprisons_offset_walk_survives_updates_mid_walk(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakePrisons([inmate(f"TN/{i:03d}", i) for i in range(10)])

    def shift(n: int) -> None:
        if n == 2:  # after page one: an early row is updated (jumps to the end), one inserted
            fake.rows[0] = inmate("TN/000", 100, category="CONVICT")
            fake.rows.append(inmate("TN/LATE", 1.5))

    fake.on_request = shift
    mock_prisons(fake)
    report = await sync(EP_SOURCES, embedded_backend, tmp_path)
    assert report.sources["eprisons"].status == "ok", report.sources["eprisons"].error
    listed = set(embedded_backend.ids(Source.EPRISONS))
    # every row of the first walk is there; the late insert (before the moving bound) is found by
    # reconciliation and a follow-up read rather than lost
    assert {f"eprisons:TN/{i:03d}" for i in range(10)} <= listed
    assert "eprisons:TN/LATE" in listed
    assert report.sources["eprisons"].extra.get("reconcile_missing") == 1
    second = fake.requests[1]
    assert second["from"].startswith("2024-05-01T10:02") and second["offset"] == "1"
    (rec,) = embedded_backend.get(["eprisons:TN/000"])
    assert rec.status == "CONVICT"
    # the case names its station by code, not the FIR's state: the prison's is not assumed
    [fir] = [i for i in rec.identifiers if i.type is IdType.FIR]
    assert (fir.value, fir.partial) == ("1102/2023/456", True)


@respx.mock
async def test_eprisons_reconciliation_deletes_ids_gone(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakePrisons([inmate(f"TN/{i:03d}", i) for i in range(5)])
    mock_prisons(fake)
    await sync(EP_SOURCES, embedded_backend, tmp_path)
    del fake.rows[2]
    report = await sync(EP_SOURCES, embedded_backend, tmp_path, reconcile_every_s=0)
    assert report.sources["eprisons"].deleted == 1
    assert "eprisons:TN/002" not in set(embedded_backend.ids(Source.EPRISONS))


@pytest.mark.parametrize("stable", [True, False])
@respx.mock
async def test_eprisons_id_listing_that_shifts_is_abandoned(stable: bool) -> None:
    ids = [f"TN/{i:04d}" for i in range(2500)]
    offsets: list[int] = []

    def listing(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        offsets.append(offset)
        # unstable: an id before the reader's position disappears after the first page
        current = ids if stable or len(offsets) == 1 else ids[1:]
        return httpx.Response(
            200, json={"total": len(current), "ids": current[offset : offset + limit]}
        )

    respx.post(f"{EP}/oauth/token").mock(
        return_value=httpx.Response(200, json={"access_token": "tok", "expires_in": 900})
    )
    respx.get(f"{EP}/inmates/ids").mock(side_effect=listing)
    connector = open_connector("eprisons", EP_SOURCES["eprisons"], policy=FAST)
    try:
        if stable:
            pages = [p async for p in connector.reconcile_ids()]
            assert [i for p in pages for i in p] == ids
            assert offsets == [0, 999, 1998]  # each page starts on the previous page's last id
        else:
            with pytest.raises(ReconcileShifted):
                _ = [p async for p in connector.reconcile_ids()]
    finally:
        await connector.client.aclose()


@respx.mock
async def test_eprisons_mass_deletion_is_refused(tmp_path: Path, embedded_backend: Any) -> None:
    fake = FakePrisons([inmate(f"TN/{i:03d}", i) for i in range(30)])
    mock_prisons(fake)
    await sync(EP_SOURCES, embedded_backend, tmp_path)
    fake.ids_override = [[]]
    report = await sync(EP_SOURCES, embedded_backend, tmp_path, reconcile_every_s=0)
    assert "refusing" in (report.sources["eprisons"].error or "")
    assert len(list(embedded_backend.ids(Source.EPRISONS))) == 30


# -- ALIS ---------------------------------------------------------------------------------------

AL = "http://alis.test/exports"
AL_SOURCES = {"alis": SourceSettings(url=AL, username="u", password="p", page_size=2)}
HEADER = "state,licence_no,holder_name,father_name,dob,address,district,weapon_type,status,extra"


def csv_file(rows: list[str], *, bom: bool = True) -> bytes:
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


GOOD = csv_file(
    [
        'UP,UP/LKO/2011/3345,Shri Ram Prakash Yadav,"Late Sh. Ram Avtar Yadav",05/07/1965,'
        '"H 4, ""GOMTI"" NAGAR\nLUCKNOW",Lucknow,NPB .32 REVOLVER,VALID,x',
        "UP,UP/LKO/2011/3346,Sita Devi,,01/01/1970,Lucknow,Lucknow,DBBL,VALID,y",
        "UP,UP/LKO/2011/3347,Bad Date,,31/02/1970,Lucknow,Lucknow,DBBL,VALID,z",
        "UP,UP/LKO/2011/3348,Too,Many,01/01/1970,a,b,c,VALID,d,e,f",
        "UP,UP/LKO/2011/3349,Ola Pyar,,01/01/1980,Lucknow,Lucknow,DBBL,CANCELLED,w",
    ]
)
LATER = csv_file(["UP,UP/LKO/2011/3346,Sita Devi,,01/01/1970,Kanpur,Kanpur,DBBL,EXPIRED,y"])


def index(*files: tuple[str, bytes, str]) -> dict[str, Any]:
    return {
        "files": [
            {"name": n, "sha256": hashlib.sha256(b).hexdigest(), "rows": 0, "published": p}
            for n, b, p in files
        ]
    }


class Truncated(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data
        raise httpx.ReadError("connection reset")


@respx.mock
async def test_alis_files_by_header_with_range_resume(
    tmp_path: Path, embedded_backend: Any
) -> None:
    files = (("alis-2024-05-01.csv", GOOD, "2024-05-02T01:00:00+05:30"),)
    idx = respx.get(f"{AL}/index.json").mock(return_value=httpx.Response(200, json=index(*files)))
    half = len(GOOD) // 2
    download = respx.get(f"{AL}/alis-2024-05-01.csv").mock(
        side_effect=[
            httpx.Response(
                200, stream=Truncated(GOOD[:half]), headers={"Content-Length": str(len(GOOD))}
            ),
            httpx.Response(206, content=GOOD[half:]),
        ]
    )
    report = await sync(AL_SOURCES, embedded_backend, tmp_path)
    r = report.sources["alis"]
    assert r.status == "ok", r.error
    assert download.calls[1].request.headers["Range"] == f"bytes={half}-"
    assert download.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert (r.indexed, r.with_issues, r.quarantined) == (3, 1, 1)
    (first,) = embedded_backend.get(["alis:UP/LKO/2011/3345"])
    assert first.people[0].address == 'H 4, "GOMTI" NAGAR\nLUCKNOW'
    assert first.people[0].relative_name == "Late Sh. Ram Avtar Yadav"
    assert first.provenance.source_updated_at == datetime.fromisoformat("2024-05-02T01:00:00+05:30")
    with StateStore(tmp_path / "sync.db") as state:
        reasons = {e.native_id: e.reason for e in state.quarantine_entries()}
    assert "unparseable date" in reasons["UP/LKO/2011/3347"]
    assert "cells" in reasons["UP/LKO/2011/3348"]

    # nothing new: If-Modified-Since → 304, no download
    idx.mock(return_value=httpx.Response(304))
    again = await sync(AL_SOURCES, embedded_backend, tmp_path)
    assert again.sources["alis"].fetched == 0
    assert idx.calls[-1].request.headers["If-Modified-Since"] == "Wed, 01 May 2024 19:30:00 GMT"

    # a later file changes a licence: the newer version wins
    files = (*files, ("alis-2024-05-02.csv", LATER, "2024-05-03T01:00:00+05:30"))
    idx.mock(return_value=httpx.Response(200, json=index(*files)))
    respx.get(f"{AL}/alis-2024-05-02.csv").mock(return_value=httpx.Response(200, content=LATER))
    third = await sync(AL_SOURCES, embedded_backend, tmp_path)
    assert third.sources["alis"].updated == 1
    (sita,) = embedded_backend.get(["alis:UP/LKO/2011/3346"])
    assert sita.status == "EXPIRED"


@respx.mock
async def test_alis_corrupt_file_is_retried_then_quarantined_then_refetched(
    tmp_path: Path, embedded_backend: Any
) -> None:
    files = (
        ("alis-2024-05-01.csv", GOOD, "2024-05-02T01:00:00+05:30"),
        ("alis-2024-05-02.csv", LATER, "2024-05-03T01:00:00+05:30"),
    )
    respx.get(f"{AL}/index.json").mock(return_value=httpx.Response(200, json=index(*files)))
    corrupt = respx.get(f"{AL}/alis-2024-05-01.csv").mock(
        return_value=httpx.Response(200, content=GOOD[:-3] + b"XYZ")
    )
    respx.get(f"{AL}/alis-2024-05-02.csv").mock(return_value=httpx.Response(200, content=LATER))
    report = await sync(AL_SOURCES, embedded_backend, tmp_path)
    assert corrupt.call_count == 6  # the policy's attempts (more than SHA_ATTEMPTS)
    assert report.sources["alis"].status == "ok"
    with StateStore(tmp_path / "sync.db") as state:
        (entry,) = [e for e in state.quarantine_entries() if e.collection == "@file"]
    assert entry.native_id == "alis-2024-05-01.csv" and "SHA-256" in entry.reason
    assert set(embedded_backend.ids(Source.ALIS)) == {"alis:UP/LKO/2011/3346"}  # the later file

    corrupt.mock(return_value=httpx.Response(200, content=GOOD))  # the network behaves again
    again = await sync(AL_SOURCES, embedded_backend, tmp_path)
    assert again.sources["alis"].status == "ok"
    with StateStore(tmp_path / "sync.db") as state:
        assert not [e for e in state.quarantine_entries() if e.collection == "@file"]
    assert "alis:UP/LKO/2011/3345" in set(embedded_backend.ids(Source.ALIS))
    (sita,) = embedded_backend.get(["alis:UP/LKO/2011/3346"])
    assert sita.status == "EXPIRED"  # the older file did not overwrite the newer version


# -- IVFRT --------------------------------------------------------------------------------------

IV = "http://ivfrt.test/services"
IV_SOURCES = {"ivfrt": SourceSettings(url=IV, api_key="k")}
FOREIGNER = """<Foreigner>
  <Status>IN_INDIA</Status><ChangedOn>{changed}</ChangedOn>
  <Passport>
    <Expiry>2029-05-01</Expiry><Number>A08765432</Number><IssueCountry>NGA</IssueCountry>
  </Passport>
  <RegistrationNo>{reg}</RegistrationNo>
  <GivenName>CHINEDU EMMANUEL</GivenName><Surname>OKAFOR</Surname>
  <Sex>M</Sex><DateOfBirth>1991-02-11</DateOfBirth><Nationality>NGA</Nationality>
  <LookOutCircular issued="true">
    <IssuedBy>NCB</IssuedBy><Number>LOC/2024/0077</Number>
  </LookOutCircular>
  <Overstay>true</Overstay><NewElementNobodyAnnounced>1</NewElementNobodyAnnounced>
</Foreigner>"""


def xml_page(*items: str, total: int = 1) -> bytes:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<ForeignerList page="1" totalPages="{total}">'
    return (body + "".join(items) + "</ForeignerList>").encode()


@respx.mock
async def test_ivfrt_xml_in_any_order_with_a_malformed_record(
    tmp_path: Path, embedded_backend: Any
) -> None:
    good = FOREIGNER.format(reg="FRRO/DEL/2023/012345", changed="2024-05-01T10:00:00+05:30")
    broken = (
        "<Foreigner><RegistrationNo>FRRO/DEL/2023/9</RegistrationNo>"
        "<Surname>X & Y</Surname></Foreigner>"
    )
    route = respx.get(f"{IV}/foreigners").mock(
        side_effect=[
            httpx.Response(200, content=xml_page(good)[:-40]),  # cut short: retried
            httpx.Response(200, content=xml_page(good, broken)),
        ]
    )
    report = await sync(IV_SOURCES, embedded_backend, tmp_path)
    r = report.sources["ivfrt"]
    assert r.status == "ok", r.error
    assert route.call_count == 2 and (r.indexed, r.quarantined) == (1, 1)
    (rec,) = embedded_backend.get(["ivfrt:FRRO/DEL/2023/012345"])
    assert rec.people[0].name == "CHINEDU EMMANUEL OKAFOR"
    assert rec.identifier_values(IdType.PASSPORT) == ["A08765432"]
    assert rec.identifier_values(IdType.LOC) == ["LOC/2024/0077"]
    assert rec.raw is not None and rec.raw["NewElementNobodyAnnounced"] == "1"
    with StateStore(tmp_path / "sync.db") as state:
        (entry,) = state.quarantine_entries()
    assert entry.native_id == "FRRO/DEL/2023/9" and "malformed XML" in entry.reason


@respx.mock
async def test_ivfrt_xml_error_body_is_reported(tmp_path: Path, embedded_backend: Any) -> None:
    respx.get(f"{IV}/foreigners").mock(
        return_value=httpx.Response(
            400,
            content=b"<Error><Code>BAD_PARAM</Code>"
            b"<Message>changedSince needs an offset</Message></Error>",
            headers={"content-type": "application/xml"},
        )
    )
    report = await sync(IV_SOURCES, embedded_backend, tmp_path)
    assert "changedSince needs an offset" in (report.sources["ivfrt"].error or "")


# -- KhoyaPaya ----------------------------------------------------------------------------------

KP = "http://kp.test/api"


@respx.mock
async def test_khoyapaya_follows_next_links_as_given(tmp_path: Path, embedded_backend: Any) -> None:
    def report_row(rid: str, **kw: Any) -> dict[str, Any]:
        row = {
            "report_id": rid,
            "report_type": "FOUND",
            "child_name": None,
            "gender": "M",
            "age_estimate": "6-8",
            "guardian_name": None,
            "event_date": "2024-04-20",
            "state": "DL",
            "status": "OPEN",
            "updated_at": "2024-04-21T08:00:00+05:30",
        }
        row.update(kw)
        return row

    first = respx.get(f"{KP}/reports").mock(
        return_value=httpx.Response(
            200,
            json={
                "results": [report_row("KP-1")],
                "next": f"{KP}/reports/page/2?cursor=abc&limit=9",
            },
        )
    )
    second = respx.get(f"{KP}/reports/page/2").mock(
        return_value=httpx.Response(
            200,
            json={
                "results": [
                    report_row(
                        "KP-2",
                        report_type="MISSING",
                        child_name="Aarav",
                        age_years=7,
                        guardian_name="Sunil Kumar",
                        guardian_relation="FATHER",
                        guardian_mobile="+919811112222",
                    )
                ],
                "next": None,
            },
        )
    )
    sources = {"khoyapaya": SourceSettings(url=KP, api_key="k")}
    report = await sync(sources, embedded_backend, tmp_path)
    assert report.sources["khoyapaya"].indexed == 2
    assert second.calls[0].request.url.params["cursor"] == "abc"
    assert second.calls[0].request.headers["X-API-Key"] == "k"
    assert first.call_count == 1
    found, missing = embedded_backend.get(["khoyapaya:KP-1", "khoyapaya:KP-2"])
    assert found.sensitivity == {Sensitivity.CHILD} and missing.sensitivity == {Sensitivity.CHILD}
    assert (found.people[0].age_from, found.people[0].age_to) == (6, 8)
    child, guardian = missing.people
    assert child.role is PersonRole.MISSING and guardian.role is PersonRole.GUARDIAN
    assert guardian.phones == ("+919811112222",)
    assert not missing.identifiers  # the guardian's phone is not a search key


# -- Vahan, Sarathi: walks and point look-ups --------------------------------------------------

VH = "http://vahan.test/api"


def rc(regn: str, serial: int, modified: int, **kw: Any) -> dict[str, Any]:
    row = {
        "rc_regn_no": regn,
        "rc_owner_sr": serial,
        "rc_owner_name": "SMT LAXMI DEVI",
        "rc_f_name": "RAMESH KUMAR",
        "rc_chasi_no": "MA3EWDE1S00123456",
        "rc_eng_no": "K12MN1234567",
        "rc_regn_dt": "12-Jan-2019",
        "rc_mobile_no": "98XXXXXX10",
        "rc_status": "ACTIVE",
        "state_cd": "MH",
        "rc_modified_on": modified,
    }
    row.update(kw)
    return row


@respx.mock
async def test_vahan_cursor_walk_transfer_and_lookups(
    tmp_path: Path, embedded_backend: Any
) -> None:
    t = int(T0.timestamp())
    walk = respx.get(f"{VH}/rc", params={"limit": "100"}).mock(
        side_effect=[
            httpx.Response(200, json={"records": [rc("MH-12-AB-1234", 1, t)], "cursor": "c1"}),
            httpx.Response(200, json={"records": [rc("mh 3 ab 12", 1, t + 1)], "cursor": None}),
            httpx.Response(
                200,
                json={
                    "records": [rc("MH12AB1234", 2, t + 60, rc_owner_name="RAVI")],
                    "cursor": None,
                },
            ),
        ]
    )
    sources = {"vahan": SourceSettings(url=VH, api_key="k")}
    await sync(sources, embedded_backend, tmp_path)
    assert walk.calls[1].request.url.params["cursor"] == "c1"
    assert set(embedded_backend.ids(Source.VAHAN)) == {"vahan:MH12AB1234#1", "vahan:MH03AB0012#1"}
    await sync(sources, embedded_backend, tmp_path)
    assert int(walk.calls[2].request.url.params["modified_after"]) == t + 1 - 300 - 1
    assert set(embedded_backend.ids(Source.VAHAN)) == {"vahan:MH12AB1234#2", "vahan:MH03AB0012#1"}

    respx.get(f"{VH}/rc/MH12AB1234").mock(
        return_value=httpx.Response(200, json=rc("MH12AB1234", 2, t))
    )
    respx.get(f"{VH}/rc/DL01AB0001").mock(
        return_value=httpx.Response(404, json={"error": "not_found"})
    )
    respx.get(f"{VH}/rc", params={"chassis_no": "23456"}).mock(
        return_value=httpx.Response(200, json={"records": [rc("MH12AB1234", 2, t)], "cursor": None})
    )
    respx.get(f"{VH}/rc/MH12AB1234/owners").mock(
        return_value=httpx.Response(
            200,
            json={
                "rc_regn_no": "MH12AB1234",
                "owners": [  # owner fields only, as the contract lists them
                    {
                        "rc_owner_name": "SHRI OLD OWNER",
                        "rc_owner_sr": 1,
                        "rc_f_name": None,
                        "aadhaar_no": "234567890124",
                    },
                    {"rc_owner_name": "SMT LAXMI DEVI", "rc_owner_sr": 2},
                ],
            },
        )
    )
    connector = open_connector("vahan", sources["vahan"], policy=FAST)
    try:
        from connectors.sources.vahan.connector import VahanConnector

        assert isinstance(connector, VahanConnector)
        found = await connector.lookup_registration("mh-12-ab-1234")
        assert found is not None and found.record_id == "vahan:MH12AB1234#2"
        assert await connector.lookup_registration("DL 1 AB 1") is None
        (by_chassis,) = await connector.lookup_chassis_suffix("23456")
        assert by_chassis.vehicle is not None and by_chassis.vehicle.owner_serial == 2
        history = await connector.owner_history("MH12AB1234")
        assert [h.record_id for h in history] == ["vahan:MH12AB1234#1", "vahan:MH12AB1234#2"]
        assert history[0].raw is not None and "aadhaar_no" not in history[0].raw
        assert history[0].people[0].name == "SHRI OLD OWNER"
        assert history[0].vehicle is not None and history[0].vehicle.chassis_no
        with pytest.raises(ValueError):
            await connector.lookup_chassis_suffix("12")
    finally:
        await connector.client.aclose()


SA = "http://sarathi.test/api"


@respx.mock
async def test_sarathi_pages_and_point_lookup(tmp_path: Path, embedded_backend: Any) -> None:
    ms = int(T0.timestamp() * 1000)

    def licence(dl: str, at: int, **kw: Any) -> dict[str, Any]:
        row = {
            "dlNo": dl,
            "holderName": "Mohd Irfan",
            "swdOf": "Abdul Rashid",
            "dob": "1988-04-17",
            "gender": "M",
            "stateCode": "MH",
            "issueDate": "2011-03-02",
            "status": "ACTIVE",
            "validity": {"nonTransport": "2031-04-16", "transport": None},
            "updatedAt": at,
        }
        row.update(kw)
        return row

    pages = respx.get(f"{SA}/v2/licences").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "content": [
                        licence("MH14 20110062821", ms),
                        licence("MH1420110062822", ms + 5),
                    ],
                    "page": 1,
                    "size": 2,
                    "totalPages": 2,
                    "last": False,
                },
            ),
            httpx.Response(
                200,
                json={
                    "content": [
                        licence("MH1420110062822", ms + 5),
                        licence("MH-1420110062823", ms + 9),
                    ],
                    "page": 1,
                    "size": 2,
                    "totalPages": 1,
                    "last": True,
                },
            ),
        ]
    )
    sources = {"sarathi": SourceSettings(url=SA, api_key="k", page_size=2)}
    report = await sync(sources, embedded_backend, tmp_path)
    assert report.sources["sarathi"].indexed == 3
    assert pages.calls[1].request.url.params["since"] == str(ms + 5)  # the bound moved, page 1
    assert set(embedded_backend.ids(Source.SARATHI)) == {
        "sarathi:MH1420110062821",
        "sarathi:MH1420110062822",
        "sarathi:MH1420110062823",
    }

    respx.get(f"{SA}/v2/licences/MH1420110062821").mock(
        return_value=httpx.Response(200, json=licence("MH1420110062821", ms, status="REVOKED"))
    )
    connector = open_connector("sarathi", sources["sarathi"], policy=FAST)
    try:
        found = await connector.lookup_licence("mh14 2011 0062821")  # type: ignore[attr-defined]
        assert found.status == "REVOKED" and found.record_id == "sarathi:MH1420110062821"
    finally:
        await connector.client.aclose()


# -- NCRP -------------------------------------------------------------------------------------

NC = "http://ncrp.test/api/v1"


@respx.mock
async def test_ncrp_maps_states_complainants_and_suspect_identifiers(
    tmp_path: Path, embedded_backend: Any
) -> None:
    complaint = {
        "acknowledgement_no": "31505240012345",
        "complaint_date": "2024-04-29T18:22:10+05:30",
        "category": "Online Financial Fraud",
        "state": "Karnataka",
        "district": "Bengaluru Urban",
        "amount_lost": 48500.0,
        "complainant": {"name": "Asha", "mobile": "9812300000", "email": "asha@example.in"},
        "suspects": [
            {
                "name": "Rahul",
                "mobile": "+919812345678",
                "bank_account": "50100123456789",
                "ifsc": "HDFC0001234",
                "upi_id": "Rahul.Pay@ybl",
                "email": None,
                "url": None,
            }
        ],
        "status": "UNDER_INVESTIGATION",
        "updated_at": "2024-05-01T10:00:00+05:30",
    }
    respx.post(f"{NC}/oauth/token").mock(
        return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 900})
    )
    respx.get(f"{NC}/complaints").mock(
        return_value=httpx.Response(
            200,
            json={
                "complaints": [
                    complaint,
                    {**complaint, "acknowledgement_no": "2", "state": "Atlantis"},
                ],
                "meta": {"page": 1, "per_page": 200, "total": 2},
            },
        )
    )
    sources = {"ncrp": SourceSettings(url=NC, client_id="c", client_secret="s")}
    report = await sync(sources, embedded_backend, tmp_path)
    ncrp = report.sources["ncrp"]
    assert (ncrp.indexed, ncrp.with_issues, ncrp.quarantined) == (1, 1, 0)
    (rec,) = embedded_backend.get(["ncrp:31505240012345"])
    assert rec.state == "KA" and rec.sensitivity == {Sensitivity.VICTIM}
    roles = {p.role for p in rec.people}
    assert roles == {PersonRole.SUSPECT, PersonRole.COMPLAINANT}
    assert [p.name for p in rec.subjects()] == ["Rahul"]
    assert rec.identifier_values(IdType.UPI) == ["rahul.pay@ybl"]
    assert rec.identifier_values(IdType.MOBILE) == ["+919812345678"]  # not the complainant's
    assert rec.identifier_values(IdType.BANK_ACCOUNT) == ["50100123456789"]  # not "Aadhaar"
    # a state no table knows hides nothing: the suspects are findable, the name kept as written
    (odd,) = embedded_backend.get(["ncrp:2"])
    assert odd.state is None and odd.attributes["state_name"] == "Atlantis"
    assert odd.identifier_values(IdType.UPI) == ["rahul.pay@ybl"]
    assert [(i.field, "kept as written" in i.reason) for i in odd.data_issues] == [("state", True)]

    # replay after a fix: the name joins the table, the record is read again without issues
    with StateStore(tmp_path / "sync.db") as state:
        assert replay_quarantine(state, embedded_backend)["still_damaged"] == 1
        by_name, by_code, names = states._table()
        monkey = dict(by_name)
        monkey[states.name_key("Atlantis")] = "GA"
        states._table.cache_clear()
        try:
            with patch.object(states, "_table", lambda: (monkey, by_code, names)):
                outcome = replay_quarantine(state, embedded_backend)
        finally:
            states._table.cache_clear()
        assert outcome["replayed"] == 1
        assert list(state.quarantine_entries("ncrp")) == []
    (fixed,) = embedded_backend.get(["ncrp:2"])
    assert fixed.state == "GA" and fixed.data_issues == ()


async def test_missing_credentials_are_named_not_shown() -> None:
    with pytest.raises(SourceError, match="needs client_id and client_secret"):
        open_connector("ncrp", SourceSettings(url=NC, client_id="c"))
    with pytest.raises(SourceError, match="has no url"):
        open_connector("cctns", SourceSettings(api_key="secret-value"))


def test_manifest_merges_over_config(tmp_path: Path) -> None:
    from config import ConfigError
    from connectors.manifest import load_manifest, merge_sources

    path = tmp_path / "m.json"
    path.write_text(
        json.dumps(
            {
                "cctns": {"url": "http://x/cctns", "api_key": "k", "admin_key": "a"},
                "nosuch": {"url": "http://y"},
            }
        )
    )
    merged, warnings = merge_sources({"cctns": SourceSettings(page_size=50)}, load_manifest(path))
    assert merged["cctns"].url == "http://x/cctns" and merged["cctns"].page_size == 50
    assert merged["cctns"].api_key is not None and merged["cctns"].api_key.get_secret_value() == "k"
    assert any("admin_key" in w for w in warnings) and any("nosuch" in w for w in warnings)
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError):
        load_manifest(path)


@respx.mock
async def test_alis_resumes_inside_a_file_after_a_kill(
    tmp_path: Path, embedded_backend: Any
) -> None:
    from tests.unit.connectors.fakes import RefusingSink

    rows = [
        f"UP,UP/LKO/2011/{n},Holder {n},,01/01/1970,Lucknow,Lucknow,DBBL,VALID,x" for n in range(7)
    ]
    body = csv_file(rows)
    files = (("alis-2024-05-01.csv", body, "2024-05-02T01:00:00+05:30"),)
    respx.get(f"{AL}/index.json").mock(return_value=httpx.Response(200, json=index(*files)))
    download = respx.get(f"{AL}/alis-2024-05-01.csv").mock(
        return_value=httpx.Response(200, content=body)
    )
    killed = await sync(AL_SOURCES, RefusingSink(embedded_backend, crash_on_upsert=3), tmp_path)
    assert killed.sources["alis"].status == "failed"
    assert len(list(embedded_backend.ids(Source.ALIS))) == 4  # two pages of two committed
    resumed = await sync(AL_SOURCES, embedded_backend, tmp_path)
    assert resumed.sources["alis"].status == "ok"
    assert resumed.sources["alis"].fetched == 3  # rows 5-7 only
    assert download.call_count == 2
    assert len(list(embedded_backend.ids(Source.ALIS))) == 7

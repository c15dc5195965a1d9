"""Walk a whole source the plain way its contract describes and list the record ids it served
(the product's `record_id` format). Used to check served data against the ground truth."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx

from simulators.harness import Running
from tests.integration.simulators.conftest import client

_CCTNS = {
    "persons": "PERSON_ID",
    "vehicles": "VEHICLE_REPORT_ID",
    "missing-persons": "REPORT_ID",
    "unidentified-persons": "REPORT_ID",
}


def _norm_regn(text: str) -> str:
    """The contracts' normal form: upper case, no separators, RTO 2 digits, number 4 digits."""
    raw = re.sub(r"[^A-Z0-9]", "", text.upper())
    m = re.fullmatch(r"([A-Z]{2})(\d{1,2})([A-Z]{0,3})(\d{1,4})", raw)
    if not m:
        return raw
    return f"{m[1]}{int(m[2]):02d}{m[3]}{int(m[4]):04d}"


# a row served without its id field (a `missing_id` bad record)
NO_ID = "NOID"


def served_ids(sims: Running, source: str) -> list[str]:
    c = client(sims, source)
    url = sims.manifest[source]["url"]
    return _WALKERS[source](c, url)


def _cctns(c: httpx.Client, url: str) -> list[str]:
    out = []
    for coll, field in _CCTNS.items():
        token = None
        while True:
            params: dict[str, Any] = {"page_size": 1000}
            if token:
                params["page_token"] = token
            body = c.get(f"{url}/v1/{coll}", params=params).json()
            out += [
                f"cctns:{r.get(field, NO_ID)}"
                for r in body["data"]
                if r.get("RECORD_STATUS") != "DELETED"
            ]
            token = body["next_page_token"]
            if not token:
                break
    return out


def _eprisons(c: httpx.Client, url: str) -> list[str]:
    out: list[str] = []
    while True:
        items = c.get(url + "/inmates", params={"offset": len(out), "limit": 500}).json()["items"]
        if not items:
            return out
        out += [f"eprisons:{r.get('prisonerId', NO_ID)}" for r in items]


def _vahan(c: httpx.Client, url: str) -> list[str]:
    out, cursor = [], None
    while True:
        body = c.get(
            url + "/rc", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}
        ).json()
        out += [
            (
                f"vahan:{_norm_regn(r['rc_regn_no'])}#{r['rc_owner_sr']}"
                if "rc_regn_no" in r
                else f"vahan:{NO_ID}"
            )
            for r in body["records"]
        ]
        cursor = body["cursor"]
        if cursor is None:
            return out


def _sarathi(c: httpx.Client, url: str) -> list[str]:
    out, page = [], 1
    while True:
        body = c.get(url + "/v2/licences", params={"page": page, "size": 500}).json()
        out += [
            f"sarathi:{re.sub(r'[^A-Z0-9]', '', r.get('dlNo', NO_ID).upper())}"
            for r in body["content"]
        ]
        if body["last"]:
            return out
        page += 1


def _alis(c: httpx.Client, url: str) -> list[str]:
    out = []
    for f in c.get(url + "/index.json").json()["files"]:
        text = (
            c.get(f"{url}/{f['name']}").content.decode("utf-8", "surrogateescape").lstrip("\ufeff")
        )
        out += [
            f"alis:{row['licence_no'] or NO_ID}"
            for row in csv.DictReader(io.StringIO(text, newline=""))
        ]
    return out


def _ncrp(c: httpx.Client, url: str) -> list[str]:
    out, page = [], 1
    while True:
        items = c.get(url + "/complaints", params={"page": page, "per_page": 200}).json()[
            "complaints"
        ]
        if not items:
            return out
        out += [f"ncrp:{r.get('acknowledgement_no', NO_ID)}" for r in items]
        page += 1


def _ivfrt(c: httpx.Client, url: str) -> list[str]:
    out, page = [], 1
    while True:
        root = ET.fromstring(c.get(url + "/foreigners", params={"page": page}).content)
        out += [
            f"ivfrt:{el.findtext('RegistrationNo') or NO_ID}" for el in root.findall("Foreigner")
        ]
        if page >= int(root.get("totalPages") or 0):
            return out
        page += 1


def _khoyapaya(c: httpx.Client, url: str) -> list[str]:
    out = []
    body = c.get(url + "/reports", params={"limit": 500}).json()
    while True:
        out += [f"khoyapaya:{r.get('report_id', NO_ID)}" for r in body["results"]]
        if body["next"] is None:
            return out
        body = c.get(body["next"]).json()


_WALKERS = {
    "cctns": _cctns,
    "eprisons": _eprisons,
    "vahan": _vahan,
    "sarathi": _sarathi,
    "alis": _alis,
    "ncrp": _ncrp,
    "ivfrt": _ivfrt,
    "khoyapaya": _khoyapaya,
}

"""The generated world: deterministic, everyone in 2-6 sources, varied renderings, bad records
named by the ground truth."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from simulators.truth import GroundTruth
from simulators.world.formats import normalise_regn
from simulators.world.generate import open_world, world_file
from simulators.world.people import make_person
from simulators.world.store import Store

SCRIPTS = {
    "Devanagari": (0x0900, 0x097F),
    "Bengali": (0x0980, 0x09FF),
    "Gurmukhi": (0x0A00, 0x0A7F),
    "Gujarati": (0x0A80, 0x0AFF),
    "Odia": (0x0B00, 0x0B7F),
    "Tamil": (0x0B80, 0x0BFF),
    "Telugu": (0x0C00, 0x0C7F),
    "Kannada": (0x0C80, 0x0CFF),
    "Malayalam": (0x0D00, 0x0D7F),
}


def _world(tmp: Path, seed: int = 5, persons: int = 400, bad: float = 0.0) -> Store:
    return open_world(world_file(tmp, seed, persons, bad), seed, persons, bad)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return _world(tmp_path_factory.mktemp("world"), persons=600, bad=0.05)


def _digest(store: Store) -> str:
    h = hashlib.sha256()
    for row in store.query(
        "SELECT source, coll, nid, t, body FROM rows ORDER BY source, coll, nid"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_same_seed_same_world_other_seed_other_world(tmp_path: Path) -> None:
    a = _world(tmp_path / "a", seed=5)
    b = _world(tmp_path / "b", seed=5)
    c = _world(tmp_path / "c", seed=6)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_a_generated_world_is_reused_not_regenerated(tmp_path: Path) -> None:
    first = _world(tmp_path)
    path = first.path
    mtime = path.stat().st_mtime_ns
    again = _world(tmp_path)
    assert again.path == path and path.stat().st_mtime_ns == mtime


def test_people_are_regenerated_identically_from_seed_and_index() -> None:
    assert make_person(9, 123).latin == make_person(9, 123).latin
    assert make_person(9, 123).sources == make_person(9, 123).sources


def test_every_person_is_in_two_to_six_sources(world: Store) -> None:
    per_person = GroundTruth(world).sources_per_person()
    assert len(per_person) == 600
    counts = Counter(per_person.values())
    assert set(counts) <= {2, 3, 4, 5, 6}
    assert counts[2] and counts[3] and counts[4], counts  # a spread, not all alike


def test_every_source_has_records(world: Store) -> None:
    sources = {r[0] for r in world.query("SELECT DISTINCT source FROM truth WHERE status = 'live'")}
    assert sources == {
        "cctns",
        "eprisons",
        "vahan",
        "sarathi",
        "alis",
        "ncrp",
        "ivfrt",
        "khoyapaya",
    }


def test_names_come_in_every_local_script(world: Store) -> None:
    text = " ".join(
        r[0]
        for r in world.query(
            "SELECT body FROM rows WHERE source IN ('cctns', 'sarathi', 'eprisons')"
        )
    )
    seen = {name for name, (lo, hi) in SCRIPTS.items() if any(lo <= ord(ch) <= hi for ch in text)}
    assert seen == set(SCRIPTS)


def test_cctns_names_show_clerical_variety(world: Store) -> None:
    rows = [
        json.loads(b)
        for (b,) in world.query("SELECT body FROM rows WHERE source = 'cctns' AND coll = 'persons'")
    ]
    names = [r.get("ACCUSED_NAME") for r in rows]
    assert any(n and " @ " in n for n in names), "aliases after @"
    assert any(n is None and r.get("NAME_LOCAL") for n, r in zip(names, rows, strict=True)), (
        "local script only"
    )
    assert all(n == n.upper() for n in names if n and "\\u" not in json.dumps(n)), "upper case"
    assert {r.get("RELATION_TYPE") for r in rows} >= {"S/O", "W/O"}
    assert any(re.match(r"^[A-Z]\. ", n or "") or re.search(r" [A-Z]$", n or "") for n in names), (
        "initials"
    )


def test_same_person_is_written_differently_across_sources(world: Store) -> None:
    """A person's Vahan name has an honorific or differs from the Sarathi spelling."""
    rows = world.query(
        "SELECT p.pid, r.source, r.body FROM truth_people p JOIN rows r USING (rid)"
        " JOIN truth t USING (rid)"
        " WHERE r.source IN ('vahan', 'sarathi') AND p.role IN ('owner', 'subject')"
        " AND t.status = 'live'"
    )
    names: dict[str, dict[str, str]] = {}
    for pid, source, body in rows:
        b = json.loads(body)
        names.setdefault(pid, {})[source] = b.get("rc_owner_name") or b.get("holderName") or ""
    both = [n for n in names.values() if len(n) == 2]
    assert len(both) > 20
    differ = sum(1 for n in both if n["vahan"] != n["sarathi"])
    assert differ > len(both) * 3 // 4
    honorific = sum(
        1
        for n in both
        if n["vahan"].split()[0] in {"SHRI", "SH", "MR", "SRI", "SMT", "KUMARI", "MS", "MRS"}
    )
    assert honorific > len(both) // 3


def test_bad_records_are_extra_and_named_with_reasons(world: Store) -> None:
    bad = GroundTruth(world).bad_records()
    assert len(bad) > 20
    kinds = {reason.split(":")[0] for reason in bad.values()}
    assert kinds == {
        "bad_date",
        "missing_field",
        "impossible_age",
        "bad_encoding",
        "mojibake",
        "unknown_enum",
        "missing_id",
    }
    # Every person still has their good records: the generator adds bad ones beside them.
    assert set(GroundTruth(world).sources_per_person().values()) <= {2, 3, 4, 5, 6}


def test_bad_encoding_records_are_not_valid_unicode(world: Store) -> None:
    rid = next(
        r
        for r, why in GroundTruth(world).bad_records().items()
        if why.startswith("bad_encoding") and not r.startswith("alis")
    )
    body = world.query("SELECT body FROM rows WHERE rid = ?", (rid,))[0][0]
    text = json.dumps(json.loads(body), ensure_ascii=False)
    with pytest.raises(UnicodeEncodeError):
        text.encode("utf-8")


def test_missing_reports_have_matching_found_reports(world: Store) -> None:
    matches = GroundTruth(world).matches()
    assert matches
    truth = GroundTruth(world)
    for found, missing in matches:
        assert truth.person_of(found).keys() == truth.person_of(missing).keys()
    assert any(f.startswith("cctns:") for f, _ in matches)
    assert any(f.startswith("khoyapaya:") for f, _ in matches)


def test_record_ids_follow_the_product_format(world: Store) -> None:
    rids = GroundTruth(world).live_record_ids()
    vahan = [r for r in rids if r.startswith("vahan:")]
    assert vahan and all(re.fullmatch(r"vahan:[A-Z]{2}\d{2}[A-Z]{0,3}\d{4}#\d+", r) for r in vahan)
    sarathi = [r for r in rids if r.startswith("sarathi:")]
    assert sarathi and all(re.fullmatch(r"sarathi:[A-Z]{2}\d{13}", r) for r in sarathi)


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("MH-12-AB-1234", "MH12AB1234"),
        ("DL 3C AB 1234", "DL03CAB1234"),
        ("mh12ab34", "MH12AB0034"),
        ("22BH1234AA", "22BH1234AA"),
    ],
)
def test_registration_numbers_normalise_per_contract(given: str, normal: str) -> None:
    assert normalise_regn(given) == normal


def test_ground_truth_jsonl(world: Store, tmp_path: Path) -> None:
    out = GroundTruth(world).write_jsonl(tmp_path / "truth.jsonl")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    records = [x for x in lines if x["type"] == "record"]
    assert len(records) == world.query("SELECT count(*) FROM truth")[0][0]
    assert any(x["type"] == "match" for x in lines)
    assert {x["status"] for x in records} >= {"live", "bad"}


def test_every_way_a_source_goes_wrong_is_in_a_bad_world(world: Store) -> None:
    from simulators.world.corrupt import _CORRUPTIONS

    got = {
        ("alis" if source == "alis" else f"{source}/{coll}", reason)
        for source, coll, reason in world.query(
            "SELECT source, coll, reason FROM truth WHERE status = 'bad'"
        )
    }
    wanted = {(key, reason) for key, table in _CORRUPTIONS.items() for reason, _ in table}
    assert wanted <= got, wanted - got


def test_worker_processes_make_the_same_world(tmp_path: Path) -> None:
    from simulators.world.generate import generate

    one = Store(tmp_path / "one.sqlite")
    generate(one, 8, 1100, 0.01, workers=1)
    two = Store(tmp_path / "two.sqlite")
    generate(two, 8, 1100, 0.01, workers=2)
    assert _digest(one) == _digest(two)
    assert one.get_meta("counters") == two.get_meta("counters")


def test_feed_totals_are_the_counts_sql_gives_and_follow_every_change(tmp_path: Path) -> None:
    """`Store.count_since` (the `total` of position-paged feeds) equals the SQL count at every
    lower bound, and after the clock writes changes, and after another connection writes."""
    import sqlite3

    from simulators.clock import Clock

    store = _world(tmp_path, persons=300)
    feeds = [("eprisons", "inmates"), ("sarathi", "licences"), ("ncrp", None), ("ivfrt", None)]

    def sql_count(source: str, coll: str | None, since: int) -> int:
        where = "source = ? AND t >= ?" + ("" if coll is None else " AND coll = ?")
        params = (source, since) if coll is None else (source, since, coll)
        return int(store.query(f"SELECT count(*) FROM rows WHERE {where}", params)[0][0])

    def agree() -> None:
        for source, coll in feeds:
            times = sorted(t for (t,) in store.query(
                "SELECT t FROM rows WHERE source = ?", (source,)))  # fmt: skip
            assert times, source
            for since in (0, times[0], times[len(times) // 2], times[-1], times[-1] + 1):
                assert store.count_since(source, coll, since) == sql_count(source, coll, since)

    agree()
    Clock(store).advance(600)  # this process's writes
    agree()
    other = sqlite3.connect(store.path, isolation_level=None)  # another writer
    other.execute("UPDATE rows SET t = t + 10 WHERE source = 'ncrp' AND rowid % 3 = 0")
    other.close()
    agree()
    store.close()

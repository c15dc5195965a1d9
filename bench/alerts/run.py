"""Alerts benchmark: how well the matchers find the simulated world's true pairs, and what the
alert step costs inside an incremental sync.

    .venv/bin/python -m bench.alerts.run                     # 1,500 people, seed 11
    .venv/bin/python -m bench.alerts.run --persons 3000 --seed 5 --faults default

A full sync of all eight simulated sources runs with the alert step hooked in (as `icjs sync`
does), then the world's clock moves on and incremental syncs run, each timed whole and the alert
step inside it. Measured per kind (adults, children, vehicles), from the ground truth:

- recall@5: of the true pairs (a found report and the missing report of the same person; a
  stolen report and the Vahan registration of the same vehicle), the share whose partner is
  among the changed report's top 5 candidates (found report → missing reports; stolen report →
  registrations);
- precision of the alerts actually sent (distinct pairs queued in the outbox): the share that
  are the same person or vehicle by the ground truth;
- recall of the sent alerts: the share of true pairs (open cases) an alert was sent for;
- the alert step's share of incremental sync time (target: at most a fifth).

The world's found children are often nameless and sometimes in another state; reports carry
noise (age estimates, heights, partial chassis numbers) and damaged records. Results: a table on
stdout, JSON + Markdown under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"
KINDS = ("adults", "children", "vehicles")
MISSES_SHOWN = 5  # per kind, with their evidence


@dataclass
class Timed:
    """The alert step, timed: wraps the hook the sync engine calls."""

    step: Any
    seconds: float = 0.0
    calls: int = 0
    records: int = 0
    laps: list[float] = field(default_factory=list)

    def __call__(self, records: Any) -> None:
        started = time.perf_counter()
        self.step(records)
        self.seconds += time.perf_counter() - started
        self.calls += 1
        self.records += len(records)


def kind_of(alert_kind: str) -> str:
    return {
        "missing_found": "adults",
        "missing_child_found": "children",
        "stolen_vehicle_seen": "vehicles",
        "vehicle_recovered": "vehicles",
    }[alert_kind]


async def _sync(sources: Any, backend: Any, state: Path, hook: Any, *, full: bool) -> Any:
    from prometheus_client import CollectorRegistry

    from config import SyncSettings
    from connectors.engine import run_sync
    from connectors.metrics import SyncMetrics

    return await run_sync(
        sources,
        backend,
        state,
        SyncSettings(state_path=state),
        full=full,
        metrics=SyncMetrics(CollectorRegistry()),
        on_written=hook,
    )


def evaluate(sims: Any, backend: Any, step: Any, outbox_db: Any) -> dict[str, Any]:
    import sqlalchemy as sa

    from state.schema import outbox

    truth = sims.ground_truth
    people: dict[str, set[str]] = {}
    vehicle: dict[str, str] = {}
    for rec in truth.records():
        if rec.people:
            people[rec.record_id] = set(rec.people)
        if rec.vehicle:
            vehicle[rec.record_id] = rec.vehicle

    def same(a: str, b: str) -> bool:
        if vehicle.get(a) and vehicle.get(a) == vehicle.get(b):
            return True
        return bool(people.get(a, set()) & people.get(b, set()))

    # true pairs: found → missing (declared by the world), stolen report → live registration
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for found, missing in sorted(truth.matches()):
        pairs["person"].append((found, missing))
    live_vahan = truth.live_record_ids("vahan")
    for row in truth.reported_vehicles():
        if row["status"] == "STOLEN" and vehicle.get(row["report"]):
            for rid in sorted(truth.same_vehicle(vehicle[row["report"]]) & live_vahan):
                pairs["vehicles"].append((row["report"], rid))

    hits: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    misses: dict[str, list[str]] = defaultdict(list)
    for group, items in pairs.items():
        for subject, partner in items:
            got = backend.get([subject])
            if not got:
                continue  # never indexed (quarantined alone): nothing to match
            ranked = step.matches_for(got[0])
            if group == "person":
                kind = "children" if subject.startswith("khoyapaya:") else "adults"
                if ranked:
                    kind = kind_of(ranked[0].kind)
                elif partner.startswith("khoyapaya:"):
                    kind = "children"
            else:
                kind = "vehicles"
            totals[kind] += 1
            top = {m.b.record_id if m.a.record_id != subject else m.a.record_id for m in ranked[:5]}
            top |= {m.a.record_id for m in ranked[:5]} | {m.b.record_id for m in ranked[:5]}
            if partner in top:
                hits[kind] += 1
            elif len(misses[kind]) < MISSES_SHOWN:
                misses[kind].append(f"{subject} ↔ {partner}: {why_missed(ranked, partner)}")

    sent: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with outbox_db.read() as conn:
        rows = conn.execute(sa.select(outbox.c.kind, outbox.c.payload)).all()
    for alert_kind, payload in rows:
        if alert_kind not in ("missing_found", "missing_child_found", "stolen_vehicle_seen"):
            continue
        body = json.loads(payload)
        a, b = body["own"]["record_id"], body["match"]["record_id"]
        sent[kind_of(alert_kind)].add((min(a, b), max(a, b)))
    out: dict[str, Any] = {"calibration": calibration(step, same)}
    true_pairs_by_kind: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for group, items in pairs.items():
        for subject, partner in items:
            key = (min(subject, partner), max(subject, partner))
            if group == "vehicles":
                true_pairs_by_kind["vehicles"].add(key)
            else:
                child = subject.startswith("khoyapaya:") or partner.startswith("khoyapaya:")
                true_pairs_by_kind["children" if child else "adults"].add(key)
    for kind in KINDS:
        alerts = sent.get(kind, set())
        right = sum(1 for a, b in alerts if same(a, b))
        out[kind] = {
            "pairs": totals.get(kind, 0),
            "recall_at_5": hits[kind] / totals[kind] if totals.get(kind) else None,
            "alerts_sent": len(alerts),
            "precision_sent": right / len(alerts) if alerts else None,
            "sent_cover_true_pairs": (
                len(alerts & true_pairs_by_kind[kind]) / len(true_pairs_by_kind[kind])
                if true_pairs_by_kind.get(kind)
                else None
            ),
            "missed_examples": misses.get(kind, []),
        }
    return out


def why_missed(ranked: list[Any], partner: str) -> str:
    """Where the partner ranked and on what evidence, against the top candidate's."""

    def said(match: Any) -> str:
        return "; ".join(f"{e.feature} {e.weight:+.1f}" for e in match.evidence)

    at = next((i for i, m in enumerate(ranked) if partner in (m.a.record_id, m.b.record_id)), None)
    top = f"top {ranked[0].score:.2f} ({said(ranked[0])})" if ranked else "no candidates"
    if at is None:
        return f"not a candidate (excluded or not retrieved); {top}"
    m = ranked[at]
    return f"rank {at + 1} of {len(ranked)}, {m.score:.2f} ({said(m)}); {top}"


CUTS = tuple(round(0.05 * i, 2) for i in range(1, 20))
TARGET_PRECISION = 0.8


def calibration(step: Any, same: Any) -> dict[str, Any]:
    """What each sending threshold would send, from every open missing or found report's top
    candidates once the world is synced: per kind of person alert and per threshold, the pairs
    sent, the share that are true (precision) and the lowest threshold at which precision
    reaches `TARGET_PRECISION`. Vehicle alerts are decided by identifiers and not swept."""
    import sqlalchemy as sa

    from alerts import matchers
    from alerts.cases import FOUND, MISSING, Case
    from alerts.store import MAX_CANDIDATES
    from state.schema import alert_cases

    with step.store.db.read() as conn:
        rows = conn.execute(
            sa.select(alert_cases.c.features).where(alert_cases.c.side.in_([MISSING, FOUND]))
        ).scalars()
        cases = [Case.from_json(json.loads(r)) for r in rows]
        if not step.shares.loaded:
            step.shares.load(conn)
        scored: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
        largest, capped = 0, 0
        for case in cases:
            candidates = step.store.people_like(conn, case)
            largest = max(largest, len(candidates))
            capped += len(candidates) >= MAX_CANDIDATES
            for match in matchers.ranked(case, candidates, step.shares)[: matchers.TOP]:
                if match.a.open and match.b.open:
                    pair = (match.a.record_id, match.b.record_id)
                    scored[match.kind][pair] = match.score
    # retrieval must not cap out before a true pair is scored: how close the largest came
    out: dict[str, Any] = {
        "candidates": {"largest": largest, "cap": MAX_CANDIDATES, "reports_capped": capped}
    }
    for kind, pairs in scored.items():
        rows_out = []
        chosen = None
        for cut in CUTS:
            sent = [p for p, score in pairs.items() if score >= cut]
            right = sum(1 for a, b in sent if same(a, b))
            precision = right / len(sent) if sent else None
            rows_out.append(
                {"threshold": cut, "sent": len(sent), "true": right, "precision": precision}
            )
            if chosen is None and precision is not None and precision >= TARGET_PRECISION:
                chosen = cut
        out[kind] = {
            "threshold_now": matchers.THRESHOLDS[kind],
            "lowest_meeting_target": chosen,
            "sweep": rows_out,
        }
    return out


def run(
    persons: int, seed: int, faults: str, rounds: int, minutes: float, keep: Path | None = None
) -> dict[str, Any]:
    from alerts import AlertStep, AlertStore
    from config import SearchSettings, SourceSettings
    from indexer import open_backend
    from simulators.harness import default_cache_dir, start_simulators
    from state.outbox import Outbox

    with tempfile.TemporaryDirectory(prefix="icjs-bench-alerts-") as tmp:
        work = Path(tmp)
        sims = start_simulators(
            seed=seed, persons=persons, faults=faults, data_dir=default_cache_dir()
        )
        backend = open_backend(SearchSettings(path=work / "index.db"))
        store = AlertStore(work / "alerts.db")
        box = Outbox(store.db)
        step = AlertStep(store, box, backend=backend)
        timed = Timed(step)
        try:
            sources = {n: SourceSettings.model_validate(e) for n, e in sims.manifest.items()}
            started = time.perf_counter()
            asyncio.run(_sync(sources, backend, work / "sync.db", timed, full=True))
            full_s = time.perf_counter() - started
            full_alert_s = timed.seconds
            incremental: list[dict[str, float]] = []
            for _ in range(rounds):
                sims.advance(minutes)
                timed.seconds, timed.records = 0.0, 0
                started = time.perf_counter()
                asyncio.run(_sync(sources, backend, work / "sync.db", timed, full=False))
                incremental.append(
                    {
                        "sync_s": time.perf_counter() - started,
                        "alert_s": timed.seconds,
                        "records": timed.records,
                    }
                )
            quality = evaluate(sims, backend, step, store.db)
            if keep is not None:
                keep_world(keep, sims, work / "alerts.db")
        finally:
            store.close()
            backend.close()
            sims.stop()
    inc_sync = sum(r["sync_s"] for r in incremental)
    inc_alert = sum(r["alert_s"] for r in incremental)
    return {
        "persons": persons,
        "seed": seed,
        "faults": faults,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "full_sync_s": round(full_s, 2),
        "full_alert_s": round(full_alert_s, 2),
        "incremental_rounds": incremental,
        "incremental_alert_share": round(inc_alert / inc_sync, 4) if inc_sync else None,
        "cases": store_count(work),
        "quality": quality,
        "queued_by_kind": step.totals.by_kind,
    }


def keep_world(keep: Path, sims: Any, alerts_db: Path) -> None:
    """The synced alert cases and the world's true person pairs, for `bench.alerts.rerank` to
    rank again offline (a rule's effect on the same cases, without a run's noise)."""
    import sqlite3

    keep.mkdir(parents=True, exist_ok=True)
    target = keep / "alerts.db"
    target.unlink(missing_ok=True)
    with sqlite3.connect(alerts_db) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    truth = sims.ground_truth
    people = {r.record_id: sorted(r.people) for r in truth.records() if r.people}
    pairs = sorted(truth.matches())
    (keep / "truth.json").write_text(json.dumps({"pairs": pairs, "people": people}))


def store_count(work: Path) -> int | None:
    return None  # the temporary store is gone; cases are counted in the step's totals


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Alerts on the simulated world ({result['persons']} people, seed {result['seed']}, "
        f"faults {result['faults']}):",
        "",
        "| kind | true pairs | recall@5 | alerts sent | precision of sent | true pairs alerted |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}"

    for kind in KINDS:
        q = result["quality"][kind]
        lines.append(
            f"| {kind} | {q['pairs']} | {pct(q['recall_at_5'])} | {q['alerts_sent']} | "
            f"{pct(q['precision_sent'])} | {pct(q['sent_cover_true_pairs'])} |"
        )
    lines += [
        "",
        f"Full sync {result['full_sync_s']} s, of which the alert step {result['full_alert_s']} s; "
        f"incremental syncs: alert step share {pct(result['incremental_alert_share'])} "
        "(target ≤ 0.20).",
    ]
    swept = result["quality"].get("calibration", {})
    retrieved = swept.get("candidates")
    if retrieved:
        lines += [
            "",
            f"Candidates retrieved for a people report: at most {retrieved['largest']} "
            f"(cap {retrieved['cap']}; reports that reached it: {retrieved['reports_capped']}).",
        ]
    if swept:
        lines += [
            "",
            "Sending thresholds swept on every open report's top 5 once synced (sent / true / "
            "precision at each threshold):",
            "",
            "| alert kind | threshold now | lowest with precision ≥ 0.80 | "
            + " | ".join(f"{c:.2f}" for c in CUTS[5:])
            + " |",
            "|---|---:|---:|" + "---:|" * len(CUTS[5:]),
        ]
        for kind, sweep in sorted(swept.items()):
            if kind == "candidates":
                continue
            cells = [f"{r['sent']}/{r['true']}/{pct(r['precision'])}" for r in sweep["sweep"][5:]]
            lines.append(
                f"| {kind} | {sweep['threshold_now']} | {pct(sweep['lowest_meeting_target'])} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--faults", default="none", choices=("none", "default", "harsh"))
    parser.add_argument("--rounds", type=int, default=3, help="incremental syncs after the full")
    parser.add_argument("--minutes", type=float, default=240.0, help="world time between them")
    parser.add_argument(
        "--keep", type=Path, help="keep the synced alert cases and true pairs here (rerank)"
    )
    args = parser.parse_args()
    result = run(args.persons, args.seed, args.faults, args.rounds, args.minutes, args.keep)
    text = markdown(result)
    print(text)
    for kind in KINDS:
        for example in result["quality"][kind]["missed_examples"]:
            print(f"  missed ({kind}): {example}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"alerts-{result['persons']}-{result['seed']}-{result['faults']}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2))
    (RESULTS / f"{stem}.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Rank a synced world's person cases again, offline, with the matcher as it is now: what a
change of rule does to recall@5 and to the alerts a threshold would send, on the very cases a
`bench.alerts.run --keep DIR` run synced (a run's own noise, its count of true pairs moving with
the incremental syncs' clock, is left out).

    .venv/bin/python -m bench.alerts.run --persons 3000 --seed 21 --keep /tmp/w21
    .venv/bin/python -m bench.alerts.rerank /tmp/w21 [/tmp/w5 ...] [--misses 10]

Per world and pooled: children's and adults' true pairs whose missing report is among the found
report's top 5, and what the sending threshold would send from every open report's top 5
(precision), as `bench.alerts.run`'s sweep counts it. Shares and learnt agreement rates are the
synced store's (what sure pairs taught during the run).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

CUTS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


def rerank(keep: Path, misses: int = 0, kinds: tuple[str, ...] = ("children",)) -> dict[str, Any]:
    import sqlalchemy as sa

    from alerts import AlertStore, matchers
    from alerts.cases import FOUND, MISSING, Case
    from alerts.shares import CaseShares
    from state.schema import alert_cases

    truth = json.loads((keep / "truth.json").read_text())
    people = {rid: set(p) for rid, p in truth["people"].items()}

    def same(a: str, b: str) -> bool:
        return bool(people.get(a, set()) & people.get(b, set()))

    store = AlertStore(keep / "alerts.db", migrate=False)
    shares = CaseShares()
    hits: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    ties: dict[str, int] = defaultdict(int)
    shown: list[str] = []
    sendable: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    try:
        with store.db.read() as conn:
            shares.load(conn)
            rows = conn.execute(
                sa.select(alert_cases.c.features).where(alert_cases.c.side.in_([MISSING, FOUND]))
            ).scalars()
            cases = {c.record_id: c for c in (Case.from_json(json.loads(r)) for r in rows)}
            for found_id, missing_id in truth["pairs"]:
                found, missing = cases.get(found_id), cases.get(missing_id)
                if found is None or missing is None:
                    continue
                kind = "children" if missing.child else "adults"
                ranked = matchers.ranked(found, store.people_like(conn, found), shares)
                totals[kind] += 1
                top = [m.a.record_id for m in ranked[: matchers.TOP]]
                at = next((i for i, m in enumerate(ranked) if m.a.record_id == missing_id), None)
                if len(ranked) > matchers.TOP and _alike(
                    ranked[matchers.TOP - 1], ranked[matchers.TOP]
                ):
                    ties[kind] += 1  # the fifth place's evidence exactly the sixth's
                if missing_id in top:
                    hits[kind] += 1
                elif len(shown) < misses and kind in kinds:
                    shown.append(_miss(found, missing, ranked, at))
            for case in cases.values():
                for match in matchers.ranked(case, store.people_like(conn, case), shares)[
                    : matchers.TOP
                ]:
                    if match.a.open and match.b.open:
                        sendable[match.kind][(match.a.record_id, match.b.record_id)] = match.score
    finally:
        store.close()
    out: dict[str, Any] = {"world": keep.name}
    for kind in ("adults", "children"):
        out[kind] = {"pairs": totals[kind], "top5": hits[kind], "fifth_tied": ties[kind]}
    for alert_kind, pairs in sendable.items():
        cut = matchers.THRESHOLDS[alert_kind]
        sent = [p for p, score in pairs.items() if score >= cut]
        out[alert_kind] = {"sent": len(sent), "true": sum(1 for a, b in sent if same(a, b))}
        out[f"{alert_kind}.sweep"] = {
            str(c): [
                sum(1 for score in pairs.values() if score >= c),
                sum(1 for (a, b), score in pairs.items() if score >= c and same(a, b)),
            ]
            for c in CUTS
        }
    out["misses"] = shown
    return out


def _alike(a: Any, b: Any) -> bool:
    return bool(a.score == b.score and getattr(a, "strength", 0.0) == getattr(b, "strength", 0.0))


def _miss(found: Any, missing: Any, ranked: list[Any], at: int | None) -> str:
    def said(match: Any) -> str:
        return "; ".join(f"{e.feature} {e.weight:+.2f}" for e in match.evidence)

    def who(c: Any) -> str:
        return (
            f"{c.record_id} {c.gender} born {c.born_from}-{c.born_to} {c.event_date} "
            f"{c.state}/{c.district} names={list(c.names)} marks={c.marks!r} "
            f"clothing={c.clothing!r} langs={list(c.languages)} complexion={c.complexion}"
        )

    lines = [f"found   {who(found)}", f"missing {who(missing)}"]
    if at is None:
        lines.append("  partner not ranked (excluded or not retrieved)")
    else:
        lines.append(
            f"  partner rank {at + 1} of {len(ranked)}: {ranked[at].score} {said(ranked[at])}"
        )
    for i, m in enumerate(ranked[:6]):
        lines.append(f"  #{i + 1} {m.score} {m.a.record_id} {m.a.event_date} "
                     f"{m.a.state}/{m.a.district}: {said(m)}")  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("worlds", type=Path, nargs="+", help="directories of `run --keep`")
    parser.add_argument("--misses", type=int, default=0, help="misses to print")
    parser.add_argument("--kind", default="children", choices=("children", "adults"))
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    results = [rerank(w, args.misses, (args.kind,)) for w in args.worlds]
    pooled: dict[str, int] = defaultdict(int)
    for r in results:
        line = [r["world"]]
        for kind in ("adults", "children"):
            q = r[kind]
            pooled[f"{kind}.top5"] += q["top5"]
            pooled[f"{kind}.pairs"] += q["pairs"]
            share = q["top5"] / q["pairs"] if q["pairs"] else float("nan")
            line.append(f"{kind} {q['top5']}/{q['pairs']} {share:.3f} (5th tied {q['fifth_tied']})")
        for alert_kind in ("missing_found", "missing_child_found"):
            s = r.get(alert_kind, {"sent": 0, "true": 0})
            pooled[f"{alert_kind}.sent"] += s["sent"]
            pooled[f"{alert_kind}.true"] += s["true"]
            precision = s["true"] / s["sent"] if s["sent"] else float("nan")
            line.append(f"{alert_kind} sent {s['sent']} precision {precision:.2f}")
        print(" | ".join(line))
        for miss in r["misses"]:
            print(miss)
    print(
        "pooled | "
        + " | ".join(
            f"{k} {pooled[k + '.top5']}/{pooled[k + '.pairs']}" for k in ("adults", "children")
        )
        + " | "
        + " | ".join(
            f"{k} {pooled[k + '.true']}/{pooled[k + '.sent']}"
            for k in ("missing_found", "missing_child_found")
        )
    )
    for alert_kind in ("missing_found", "missing_child_found"):
        cells = []
        for c in CUTS:
            sent = sum(r.get(f"{alert_kind}.sweep", {}).get(str(c), [0, 0])[0] for r in results)
            true = sum(r.get(f"{alert_kind}.sweep", {}).get(str(c), [0, 0])[1] for r in results)
            cells.append(f"{c}: {true}/{sent} {true / sent if sent else float('nan'):.2f}")
        print(f"pooled sweep {alert_kind} | " + " | ".join(cells))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The pure part of `make chaos`: which node to kill, what the cluster said, how searches fared,
what the index holds against the truth, and the table. No I/O here (tests/unit/bench)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STATUS_ORDER = {"green": 0, "yellow": 1, "red": 2, "unreachable": 3}


def http_port(address: str) -> int | None:
    """`127.0.0.1:9201` (as `_cat/nodes` prints `http`) -> 9201."""
    _, _, port = str(address).rpartition(":")
    return int(port) if port.isdigit() else None


def node_ports(cat_nodes: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Node id -> HTTP port, from `_cat/nodes?format=json&full_id=true&h=id,http,...` (our
    nodes all share one name: the port is what tells them apart)."""
    out: dict[str, int] = {}
    for row in cat_nodes:
        port = http_port(str(row.get("http", "")))
        if port is not None and row.get("id"):
            out[str(row["id"])] = port
    return out


def cluster_manager_port(cat_nodes: Iterable[Mapping[str, Any]]) -> int | None:
    for row in cat_nodes:
        if row.get("cluster_manager") == "*" or row.get("master") == "*":
            return http_port(str(row.get("http", "")))
    return None


def primaries_by_port(
    cat_shards: Iterable[Mapping[str, Any]], ports: Mapping[str, int], index_prefix: str
) -> dict[int, int]:
    """Started primaries of indices starting with `index_prefix`, counted per node's port."""
    out: dict[int, int] = {}
    for row in cat_shards:
        if not str(row.get("index", "")).startswith(index_prefix):
            continue
        if row.get("prirep") != "p" or row.get("state") != "STARTED":
            continue
        port = ports.get(str(row.get("id", "")))
        if port is not None:
            out[port] = out.get(port, 0) + 1
    return out


def choose_victim(
    cat_nodes: Sequence[Mapping[str, Any]],
    cat_shards: Sequence[Mapping[str, Any]],
    index_prefix: str,
    *,
    prefer_manager: bool,
) -> int:
    """The port of the node whose loss hurts most: with `prefer_manager`, the elected cluster
    manager (an election and lost shard copies at once); otherwise the node holding most
    primaries of the records indices (writes there must fail over to promoted replicas), the
    cluster manager breaking a tie."""
    manager = cluster_manager_port(cat_nodes)
    if prefer_manager and manager is not None:
        return manager
    counts = primaries_by_port(cat_shards, node_ports(cat_nodes), index_prefix)
    if not counts:
        if manager is None:
            raise ValueError("no node holds a primary and no cluster manager is elected")
        return manager
    return max(counts, key=lambda port: (counts[port], port == manager, -port))


def failovers(lines: Iterable[str], port: int) -> dict[str, int]:
    """What opensearch-py's own warnings say about the node on `port`: requests that failed at
    the connection (`[status:N/A`; the client retries them on another host) and the times it
    put the node on timeout (`has failed for N times in a row`)."""
    address = re.compile(rf"127\.0\.0\.1:{port}(?!\d)")
    mine = [line for line in lines if address.search(line)]
    return {
        "failed_requests": sum(1 for line in mine if "[status:N/A" in line),
        "put_on_timeout": sum(1 for line in mine if "has failed for" in line),
    }


def worst_status(samples: Iterable[str]) -> str:
    return max(samples, key=lambda s: STATUS_ORDER.get(s, 3), default="unreachable")


def seconds_in(
    timeline: Sequence[tuple[float, str]], status: str, start: float, end: float
) -> float:
    """How long the health timeline (time, status) sampled `status` within [start, end]."""
    total = 0.0
    for (t, s), (t_next, _) in zip(timeline, [*timeline[1:], (end, "")], strict=True):
        lo, hi = max(t, start), min(t_next, end)
        if s == status and hi > lo:
            total += hi - lo
    return total


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
    return ordered[int(rank) - 1]


@dataclass(frozen=True)
class Request:
    """One search: when it was sent (seconds on the run's clock), how long it took, whether
    the API answered it (200) or not (another status, or no answer: `status` 0)."""

    sent: float
    seconds: float
    status: int


@dataclass(frozen=True)
class PhaseStats:
    phase: str
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float


def phase_stats(
    requests: Sequence[Request], phases: Sequence[tuple[str, float, float]]
) -> list[PhaseStats]:
    """Requests grouped by the phase they were sent in; latency of the answered ones."""
    out = []
    for name, start, end in phases:
        mine = [r for r in requests if start <= r.sent < end]
        answered = [r.seconds * 1000 for r in mine if r.status == 200]
        out.append(
            PhaseStats(
                phase=name,
                seconds=end - start,
                requests=len(mine),
                errors=sum(1 for r in mine if r.status != 200),
                p50_ms=percentile(answered, 50),
                p95_ms=percentile(answered, 95),
                max_ms=max(answered, default=0.0),
            )
        )
    return out


@dataclass(frozen=True)
class IdDiff:
    source: str
    expected: int
    indexed: int
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    duplicates: int


def id_diff(source: str, expected: set[str], indexed: Sequence[str]) -> IdDiff:
    held = set(indexed)
    return IdDiff(
        source=source,
        expected=len(expected),
        indexed=len(held),
        missing=tuple(sorted(expected - held)),
        extra=tuple(sorted(held - expected)),
        duplicates=len(indexed) - len(held),
    )


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def render(result: Mapping[str, Any]) -> str:
    """`bench/results/chaos.md`: the run's table, from the JSON `run.py` writes beside it."""
    sync = result["sync"]
    loss = result["search"]
    diffs = result["truth"]["sources"]
    missing = sum(d["missing_n"] for d in diffs)
    extra = sum(d["extra_n"] for d in diffs)
    duplicates = sum(d["duplicates"] for d in diffs)
    content = result["truth"]["content"]
    lines = [
        "# A cluster that loses a node (`make chaos`)",
        "",
        f"Three OpenSearch {result['opensearch']} nodes on loopback (one JVM each, heap "
        f"{result['heap_mb']} MB), records index {result['shards']} shards x "
        f"{result['replicas']} replica; the client is given all three hosts. World: "
        f"{result['persons']:,} people, faults `{result['faults']}`, "
        f"{result['truth']['expected']:,} records expected in the index. Machine: "
        f"{result['cores']} cores shared with other work (load average {result['load']}). "
        f"Commit {result['commit']}, {result['when']}; the whole run took "
        f"{result['total_s']:.0f} s.",
        "",
        "## 1. A node killed (SIGKILL) during the sync",
        "",
        "| | |",
        "|---|---|",
        f"| killed | node on port {sync['victim']} ({sync['victim_role']}) at "
        f"{sync['indexed_at_kill']:,} records indexed, {sync['killed_at_s']:.0f} s into the sync |",
        f"| restarted | {sync['down_s']:.0f} s later, same data directory |",
        f"| cluster while the node was gone | worst {sync['worst_status']}; "
        f"red {sync['red_s']:.1f} s, yellow {sync['yellow_s']:.1f} s |",
        f"| rejoined (3 nodes) | {sync['rejoin_s']:.1f} s after restart |",
        f"| green again | {sync['green_after_restart_s']:.1f} s after restart "
        f"({sync['green_after_kill_s']:.1f} s after the kill) |",
        f"| the sync's client | {sync['client']['failed_requests']} requests failed at the "
        f"dead node's address and were retried on another; the node put on timeout "
        f"{sync['client']['put_on_timeout']} times |",
        f"| sync | exit status {sync['exit_status']}, {sync['seconds']:.0f} s, "
        f"{sync['sources_ok']}/{sync['sources']} sources ok, {sync['failed_items']} items failed |",
        f"| index against ground truth | {result['truth']['indexed']:,} of "
        f"{result['truth']['expected']:,}: {missing} missing, {extra} extra, "
        f"{duplicates} duplicate ids |",
        f"| record by record against a sync of the same world with no loss (embedded index) | "
        f"{content['compared']:,} compared, {content['different']} different |",
        "",
        "## 2. A node killed during a search load",
        "",
        f"Person searches back to back, from queries drawn from the index (misspelt): "
        f"{loss['clients']} clients through the API (`icjs serve`, {loss['workers']} "
        f"worker(s)), and {loss['backend_clients']} straight through the product's cluster "
        f"client (`ElasticBackend.candidates`, candidate retrieval only). Killed: node on port "
        f"{loss['victim']} ({loss['victim_role']}); restarted after {loss['down_s']:.0f} s. "
        f"Cluster while it was gone: worst {loss['worst_status']}, red {loss['red_s']:.1f} s; "
        f"rejoined {loss['rejoin_s']:.1f} s and green {loss['green_after_restart_s']:.1f} s "
        "after restart.",
        "",
        "| path | phase | seconds | searches | errors | p50 | p95 | max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for path, rows in loss["phases"].items():
        for row in rows:
            lines.append(
                f"| {path} | {row['phase']} | {row['seconds']:.0f} | {row['requests']:,} | "
                f"{row['errors']} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | "
                f"{_ms(row['max_ms'])} |"
            )
    lines += [
        "",
        f"The searches' cluster client (backend path) met the dead node "
        f"{loss['client']['failed_requests']} times (a connection refused, retried on another "
        f"host) and put it on timeout {loss['client']['put_on_timeout']} times.",
    ]
    if loss.get("error_kinds"):
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(loss["error_kinds"].items()))
        lines += ["", f"Errors by kind: {kinds}."]
    lines += ["", f"Verdict: {result['verdict']}", ""]
    return "\n".join(lines)

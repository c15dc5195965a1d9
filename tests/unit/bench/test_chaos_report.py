"""`make chaos`'s pure part: reading what the cluster says (`_cat/nodes`, `_cat/shards`, health
samples), choosing the node to kill, phase statistics and the comparison with the truth. The
chaos run itself is not a test (it needs three JVMs and minutes): `make chaos`."""

from __future__ import annotations

import pytest

from bench.chaos.report import (
    Request,
    choose_victim,
    cluster_manager_port,
    failovers,
    http_port,
    id_diff,
    node_ports,
    percentile,
    phase_stats,
    primaries_by_port,
    seconds_in,
    worst_status,
)

# as OpenSearch 2.19 answers `_cat/nodes?format=json&full_id=true&h=id,http,cluster_manager`;
# every node of the local cluster is called "Node 1", so only the port tells them apart
NODES = [
    {"id": "aaa", "http": "127.0.0.1:9201", "cluster_manager": "-"},
    {"id": "bbb", "http": "127.0.0.1:9202", "cluster_manager": "*"},
    {"id": "ccc", "http": "127.0.0.1:9203", "cluster_manager": "-"},
]


def shard(index: str, n: int, prirep: str, node: str | None, state: str = "STARTED") -> dict:
    return {"index": index, "shard": str(n), "prirep": prirep, "state": state, "id": node}


SHARDS = [
    shard("icjs-chaos-records-v1", 0, "p", "aaa"),
    shard("icjs-chaos-records-v1", 0, "r", "bbb"),
    shard("icjs-chaos-records-v1", 1, "p", "aaa"),
    shard("icjs-chaos-records-v1", 1, "r", "ccc"),
    shard("icjs-chaos-records-v1", 2, "p", "bbb"),
    shard("icjs-chaos-records-v1", 2, "r", None, state="UNASSIGNED"),
    # the link-key index is not the records index: its primaries do not count
    shard("icjs-chaos-linkkeys-v1", 0, "p", "ccc"),
    shard("icjs-chaos-linkkeys-v1", 1, "p", "ccc"),
    shard("icjs-chaos-linkkeys-v1", 2, "p", "ccc"),
]


def test_ports_and_manager_from_cat_nodes() -> None:
    assert http_port("127.0.0.1:9202") == 9202
    assert http_port("") is None
    assert node_ports(NODES) == {"aaa": 9201, "bbb": 9202, "ccc": 9203}
    assert cluster_manager_port(NODES) == 9202
    assert cluster_manager_port([{**n, "cluster_manager": "-"} for n in NODES]) is None


def test_primaries_count_started_records_primaries_only() -> None:
    ports = node_ports(NODES)
    assert primaries_by_port(SHARDS, ports, "icjs-chaos-records") == {9201: 2, 9202: 1}
    relocating = [{**s, "state": "RELOCATING"} if s["id"] == "aaa" else s for s in SHARDS]
    assert primaries_by_port(relocating, ports, "icjs-chaos-records") == {9202: 1}


def test_victim_is_the_primary_holder_or_the_manager() -> None:
    assert choose_victim(NODES, SHARDS, "icjs-chaos-records", prefer_manager=False) == 9201
    assert choose_victim(NODES, SHARDS, "icjs-chaos-records", prefer_manager=True) == 9202
    # a tie on primaries goes to the cluster manager: two losses at once
    even = [s for s in SHARDS if not (s["id"] == "aaa" and s["shard"] == "1")]
    assert choose_victim(NODES, even, "icjs-chaos-records", prefer_manager=False) == 9202
    # no primary started anywhere yet: the manager
    assert choose_victim(NODES, [], "icjs-chaos-records", prefer_manager=False) == 9202
    with pytest.raises(ValueError):
        choose_victim([{**n, "cluster_manager": "-"} for n in NODES], [], "x", prefer_manager=False)


def test_health_timeline() -> None:
    timeline = [(0.0, "green"), (1.0, "yellow"), (1.5, "red"), (2.0, "unreachable"), (3.0, "green")]
    assert worst_status(s for _, s in timeline) == "unreachable"
    assert worst_status(["green", "yellow"]) == "yellow"
    assert worst_status([]) == "unreachable"  # nothing answered at all
    assert seconds_in(timeline, "yellow", 0.0, 4.0) == 0.5
    assert seconds_in(timeline, "red", 0.0, 4.0) == 0.5
    assert seconds_in(timeline, "green", 0.0, 4.0) == 2.0  # 0-1 and 3-4 (the end closes it)
    assert seconds_in(timeline, "yellow", 1.2, 1.4) == pytest.approx(0.2)  # clipped to the window


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 95) == 0.0
    assert percentile([5.0], 50) == 5.0
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(list(reversed(values)), 95) == 95.0
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0


def test_phase_stats_count_errors_and_time_only_answers() -> None:
    requests = [
        Request(sent=0.5, seconds=0.010, status=200),
        Request(sent=1.0, seconds=0.020, status=200),
        Request(sent=10.0, seconds=5.000, status=0),  # no answer: an error, not a latency
        Request(sent=11.0, seconds=0.030, status=503),
        Request(sent=12.0, seconds=0.040, status=200),
        Request(sent=20.0, seconds=0.015, status=200),  # the boundary belongs to the next phase
    ]
    before, down, after = phase_stats(
        requests, [("before", 0.0, 10.0), ("down", 10.0, 20.0), ("after", 20.0, 25.0)]
    )
    assert (before.requests, before.errors, before.p50_ms, before.p95_ms) == (2, 0, 10.0, 20.0)
    assert (down.requests, down.errors, down.p50_ms, down.max_ms) == (3, 2, 40.0, 40.0)
    assert (after.requests, after.errors, after.seconds) == (1, 0, 5.0)


def test_id_diff_names_missing_extra_and_duplicates() -> None:
    diff = id_diff("vahan", {"vahan:a", "vahan:b", "vahan:c"}, ["vahan:a", "vahan:a", "vahan:x"])
    assert diff.missing == ("vahan:b", "vahan:c")
    assert diff.extra == ("vahan:x",)
    assert diff.duplicates == 1
    assert (diff.expected, diff.indexed) == (3, 2)
    clean = id_diff("vahan", {"vahan:a"}, ["vahan:a"])
    assert not (clean.missing or clean.extra or clean.duplicates)


def test_failovers_read_the_clients_own_warnings() -> None:
    # opensearch-py 3.x's messages (`Connection.log_request_fail`, `ConnectionPool.mark_dead`)
    lines = [
        "POST http://127.0.0.1:9206/_bulk [status:N/A request:0.002s]",
        "GET http://127.0.0.1:9206/icjs-chaos-records/_mget [status:N/A request:0.001s]",
        "Connection <Urllib3HttpConnection: http://127.0.0.1:9206> has failed for 1 times in a "
        "row, putting on 60 second timeout.",
        "POST http://127.0.0.1:9205/_search [status:N/A request:0.001s]",  # another node
        "POST http://127.0.0.1:9206/_bulk [status:429 request:0.2s]",  # answered: no failover
    ]
    assert failovers(lines, 9206) == {"failed_requests": 2, "put_on_timeout": 1}
    assert failovers(lines, 920) == {"failed_requests": 0, "put_on_timeout": 0}

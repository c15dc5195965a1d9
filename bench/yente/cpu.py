"""CPU time of the processes a search runs in, read from /proc (not wall time: two cores shared
by several people make wall time say more about the neighbours than about the code)."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of `pid` and of its live children."""
    total = 0.0
    proc = psutil.Process(pid)
    for p in [proc, *proc.children(recursive=True)]:
        try:
            stat = Path(f"/proc/{p.pid}/stat").read_text(encoding="ascii")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return total


def node_pid(port: int) -> int:
    """The OpenSearch node listening on `port` (its JVM: `_nodes/stats` refreshes its CPU
    figure only once a second, /proc at every tick)."""
    for conn in psutil.net_connections(kind="tcp"):
        listening = conn.status == psutil.CONN_LISTEN and conn.laddr
        if listening and conn.laddr.port == port and conn.pid is not None:
            pid: int = conn.pid
            return pid
    raise RuntimeError(f"no process listens on port {port}")

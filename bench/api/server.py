"""The API as the benchmark serves it: `create_app` from the environment's settings, uvicorn,
no access log lines (the audit log still records every request), the collector settings of
`icjs serve` (`config.runtime`: `tune_gc` and a worker's `QuietCollector`; ICJS_BENCH_SETTLE=0
leaves the latter out, to measure what it changes)."""

from __future__ import annotations

import os
import sys

import uvicorn
from fastapi import FastAPI

from api.app import create_app, settling_collector
from config import load_settings
from config.runtime import tune_gc


def main() -> None:
    port = int(sys.argv[1])
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if workers > 1:
        uvicorn.run(
            "bench.api.server:factory",
            factory=True,
            host="127.0.0.1",
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
    else:
        uvicorn.run(factory(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def factory() -> FastAPI:
    tune_gc()  # as `icjs serve` and each of its workers do
    app = create_app(load_settings(), access_log=False)
    return app if os.environ.get("ICJS_BENCH_SETTLE") == "0" else settling_collector(app)


if __name__ == "__main__":
    main()

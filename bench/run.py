"""`make bench`: every benchmark in turn, each printing its table and writing bench/results/.

Each benchmark is its own module (`python -m bench.<name>.run`) so it can be run alone with its
own options; this runner only sequences them and reports which failed. Names quality is
`make bench-names`.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys

BENCHMARKS = ("backends", "sync", "api", "state", "linkage")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=BENCHMARKS, action="append")
    args, passthrough = parser.parse_known_args()
    failed = []
    for name in args.only or BENCHMARKS:
        module = f"bench.{name}.run"
        if importlib.util.find_spec(module) is None:
            print(f"[bench] {module} not present, skipped", file=sys.stderr)
            continue
        print(f"\n=== bench {name} ===", flush=True)
        if subprocess.call([sys.executable, "-m", module, *passthrough]) != 0:
            failed.append(name)
    if failed:
        print(f"[bench] failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

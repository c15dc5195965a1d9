"""A real, throw-away PostgreSQL server for the tests and benchmarks.

    python scripts/postgres_server.py ensure          # install Debian's postgresql if missing
    python scripts/postgres_server.py run -- pytest …  # a server for the length of a command

`ensure` finds the server's programs (`initdb`, `pg_ctl`: Debian's /usr/lib/postgresql/N/bin,
or on PATH) and, when they are missing on a machine where we are root and apt-get exists,
installs Debian's `postgresql` package (without creating or starting its system cluster). The
tests start their own server through `start()` (tests/plugins/postgres.py); `run` does the same
around any command and exports its URL as `ICJS_TEST_POSTGRES_URL`.

A server lives in a temporary directory, listens on a free loopback port (and a Unix socket in
that directory), takes scram-sha-256 passwords, and runs without fsync (its data is thrown
away). PostgreSQL refuses to run as root, so as root it runs as the `postgres` user that the
package creates. Standard library only: it runs before the virtualenv has anything in it.
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RUN_AS = "postgres"  # the unprivileged user Debian's package creates
# Keep the package's own cluster from being created (and started) on install: the tests start
# servers of their own.
_NO_MAIN_CLUSTER = Path("/etc/postgresql-common/createcluster.d/icjs-no-main-cluster.conf")


def log(message: str) -> None:
    print(f"[postgres-server] {message}", file=sys.stderr, flush=True)


def find_bindir() -> Path | None:
    """Where `initdb` and `pg_ctl` are: $ICJS_PG_BINDIR, Debian's newest, or PATH."""
    configured = os.environ.get("ICJS_PG_BINDIR")
    if configured:
        return Path(configured)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if debian:
        return Path(debian[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def ensure() -> Path:
    """The server's programs, installing Debian's package first when they are missing."""
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(
            "PostgreSQL's server programs (initdb, pg_ctl) are missing: install the postgresql "
            "package (Debian: apt-get install postgresql), or set ICJS_PG_BINDIR"
        )
    log("installing Debian's postgresql package (first run on this machine only)")
    _NO_MAIN_CLUSTER.parent.mkdir(parents=True, exist_ok=True)
    _NO_MAIN_CLUSTER.write_text("create_main_cluster = false\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
        check=True,
        env=env,
    )
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("installed postgresql, but initdb and pg_ctl are still not found")
    return bindir


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    root: Path
    bindir: Path
    port: int
    user: str
    password: str
    run_as: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            _run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                self.run_as,
                check=False,
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _run(cmd: list[str], run_as: str | None, *, check: bool = True) -> None:
    result = subprocess.run(
        cmd,
        user=run_as,
        group=run_as,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd="/",
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed ({result.returncode}):\n{result.stdout}")


def start(*, max_connections: int = 300, durable: bool = False) -> Server:
    """Start a server; its superuser is `icjs` with a random password. `durable`: commits
    reach the disk (fsync), as in production, for benchmarks that must count that."""
    bindir = ensure()
    run_as = RUN_AS if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="icjs-postgres-"))
    password = secrets.token_urlsafe(18)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if run_as is not None:
        shutil.chown(root, user=run_as, group=run_as)
        shutil.chown(pwfile, user=run_as, group=run_as)
    server = Server(root, bindir, free_port(), "icjs", password, run_as)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(server.data),
                "-U",
                server.user,
                "--pwfile",
                str(pwfile),
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            run_as,
        )
        pwfile.unlink()
        fast = ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        options = " ".join(
            [
                f"-p {server.port}",
                f"-k {root}",
                "-c listen_addresses=127.0.0.1",
                *([] if durable else fast),
                f"-c max_connections={max_connections}",
            ]
        )
        _run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(server.data),
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            run_as,
        )
    except BaseException:
        server.stop()
        raise
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ensure", help="install Debian's postgresql when its programs are missing")
    run = sub.add_parser("run", help="run a command beside a throw-away server")
    run.add_argument("--durable", action="store_true", help="fsync commits (benchmarks)")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command == "ensure":
        log(f"server programs in {ensure()}")
        return 0
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("run needs a command after --")
    started = time.monotonic()
    server = start(durable=args.durable)
    log(f"server on 127.0.0.1:{server.port} in {time.monotonic() - started:.1f} s")
    child = subprocess.Popen(cmd, env={**os.environ, "ICJS_TEST_POSTGRES_URL": server.url()})
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        return child.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())

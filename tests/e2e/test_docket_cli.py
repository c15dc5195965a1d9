"""`icjs docket`: the real console script against a real server, with an officer's token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from config import Settings
from indexer.backends.base import Backend
from tests.plugins.api import start_api


def icjs(*args: str, token: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICJS_")}
    env["ICJS_TOKEN"] = token
    return subprocess.run(
        [str(Path(sys.executable).parent / "icjs"), "docket", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_icjs_docket_writes_the_pdf_and_a_json_summary(
    api_settings: Settings, world_backend: Backend, tmp_path: Path
) -> None:
    record = next(r for r in world_backend.records() if r.source.value == "cctns" and r.people)
    with start_api(api_settings, world_backend) as api:
        profile_id = api.app.state.persons.ids.issue([record.record_id])
        token = api.officer(state=record.state, subject="officer-cli-docket")
        out = tmp_path / "docket.pdf"
        done = icjs(
            profile_id, "--purpose", "FIR 12/2026 field check", "-o", str(out),
            "--url", api.url, "--json", token=token,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        reader = PdfReader(out)
        assert summary["pages"] == len(reader.pages) >= 1
        assert summary["bytes"] == out.stat().st_size
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert record.record_id in text
        assert "Printed by officer-cli-docket" in text and "FIR 12/2026 field check" in text
        # what the officer typed wrong is said, and nothing is written
        bad = icjs(
            profile_id, "--purpose", "x", "-o", str(tmp_path / "no.pdf"), "--url", api.url,
            token=token,
        )  # fmt: skip
        assert bad.returncode == 1 and "HTTP 422" in bad.stderr
        assert not (tmp_path / "no.pdf").exists()
        unknown = icjs(
            "A" * 40, "--purpose", "FIR 12/2026", "-o", str(tmp_path / "no.pdf"),
            "--url", api.url, token=token,
        )  # fmt: skip
        assert unknown.returncode == 1 and "HTTP 404" in unknown.stderr
    none = icjs(profile_id, "--purpose", "abc", "-o", str(out), token="")
    assert none.returncode == 2 and "ICJS_TOKEN" in none.stderr

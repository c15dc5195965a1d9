"""`python scripts/pdf_fonts.py ensure`: what the mini-docket's PDFs need from the system, from
Debian when missing: Pango (WeasyPrint lays text out with it) and the Noto fonts of the Indic
scripts the sources write names in. Without the fonts a Tamil or Bengali name would print as
empty boxes; without Pango WeasyPrint cannot start. `make test` and `make demo` run this."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys

PACKAGES = ["fonts-noto-core", "libpango-1.0-0", "libpangoft2-1.0-0", "fontconfig"]
# One family per script the sources send (shared/sources/README.md "Text"), and Latin.
FAMILIES = (
    "Noto Sans",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Gurmukhi",
    "Noto Sans Gujarati",
    "Noto Sans Oriya",
    "Noto Sans Tamil",
    "Noto Sans Telugu",
    "Noto Sans Kannada",
    "Noto Sans Malayalam",
)


def missing() -> list[str]:
    out = []
    if ctypes.util.find_library("pango-1.0") is None:
        out.append("pango")
    if ctypes.util.find_library("pangoft2-1.0") is None:
        out.append("pangoft2")
    if shutil.which("fc-list") is None:
        return [*out, "fontconfig"]
    listed = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, check=False
    ).stdout
    families = {f.strip() for line in listed.splitlines() for f in line.split(",")}
    return out + [f for f in FAMILIES if f not in families]


def ensure() -> None:
    lacking = missing()
    if not lacking:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing for PDFs: {', '.join(lacking)}: apt-get install {' '.join(PACKAGES)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *PACKAGES], check=True, env=env)
    still = missing()
    if still:
        sys.exit(f"apt-get installed {' '.join(PACKAGES)} but still missing: {', '.join(still)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        sys.exit(__doc__)
    ensure()

"""`python scripts/chromium.py ensure`: Debian's chromium (and fonts for Indic scripts) for the
browser tests, installed with apt-get when missing. Playwright's own browser builds cannot be
downloaded on CI machines; Debian's package can. Prints the browser's path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

PACKAGES = ["chromium", "fonts-noto-core"]


def ensure() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("chromium is missing: apt-get install chromium fonts-noto-core (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *PACKAGES], check=True, env=env)
    found = shutil.which("chromium")
    if not found:
        sys.exit("apt-get installed chromium but it is not on PATH")
    return found


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        sys.exit(__doc__)
    print(ensure())

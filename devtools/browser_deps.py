"""Make sure Debian's Chromium and a Japanese font are installed for the browser tests (`make browser-deps`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = ["chromium", "fonts-noto-cjk"]
HELP = (
    "Browser tests need Debian's packages chromium and fonts-noto-cjk: run `make test` as root, or\n"
    "  sudo apt-get install --no-install-recommends chromium fonts-noto-cjk\n"
    "ブラウザテストには Debian パッケージ chromium と fonts-noto-cjk が必要です。root で `make test` を実行するか、\n"
    "  sudo apt-get install --no-install-recommends chromium fonts-noto-cjk\n"
    "を実行してください。"
)


def japanese_font_count() -> int:
    """How many fonts `fc-list :lang=ja` lists (0 when fontconfig is missing)."""
    if shutil.which("fc-list") is None:
        return 0
    result = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True, check=False)
    return len([line for line in result.stdout.splitlines() if line.strip()])


def missing() -> list[str]:
    """The Debian packages whose files are not present yet."""
    absent = []
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        absent.append("chromium")
    if japanese_font_count() == 0:
        absent.append("fonts-noto-cjk")
    return absent


def apt_install() -> int:
    """Run apt-get update and install the packages, streaming apt's output; return apt's exit code."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES],
    ):
        print("+", " ".join(command), flush=True)
        code = subprocess.run(command, env=env, check=False).returncode
        if code != 0:
            return code
    return 0


def main() -> int:
    """Check, install when root, re-check; 0 when Chromium and a Japanese font are present."""
    absent = missing()
    if not absent:
        print("chromium: ok")
        return 0
    print(f"browser test dependencies missing: {', '.join(absent)}", flush=True)
    if os.geteuid() != 0:
        print(HELP, file=sys.stderr)
        return 1
    code = apt_install()
    absent = missing()
    if code == 0 and not absent:
        print("chromium: ok")
        return 0
    print(f"apt-get exited with {code}; still missing: {', '.join(absent) or 'nothing'}", file=sys.stderr)
    print(HELP, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

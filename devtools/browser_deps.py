"""Make sure Debian's Chromium, a Japanese font and the PDF libraries are installed (`make browser-deps`).

`--pdf` checks only what the PDF downloads need (WeasyPrint's Pango, HarfBuzz subsetting and Noto Sans CJK): the
quickstart runs that part, the tests all of it.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# The shared libraries WeasyPrint opens, and the Debian package of each.
PDF_LIBRARIES = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz-subset": "libharfbuzz-subset0",
}
PACKAGES = ["chromium", "fonts-noto-cjk", *PDF_LIBRARIES.values(), "gettext"]
HELP = (
    f"Browser tests and PDF downloads need Debian's packages {' '.join(PACKAGES)}: run `make test` as root, or\n"
    f"  sudo apt-get install --no-install-recommends {' '.join(PACKAGES)}\n"
    f"ブラウザテストと PDF 出力には Debian パッケージ {' '.join(PACKAGES)} が必要です。\n"
    "root で `make test` を実行するか、\n"
    f"  sudo apt-get install --no-install-recommends {' '.join(PACKAGES)}\n"
    "を実行してください。"
)


def japanese_font_count() -> int:
    """How many fonts `fc-list :lang=ja` lists (0 when fontconfig is missing)."""
    if shutil.which("fc-list") is None:
        return 0
    result = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True, check=False)
    return len([line for line in result.stdout.splitlines() if line.strip()])


def missing(*, pdf_only: bool = False) -> list[str]:
    """The Debian packages whose files are not present yet."""
    absent = []
    if not pdf_only and not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        absent.append("chromium")
    if japanese_font_count() == 0:
        absent.append("fonts-noto-cjk")
    absent.extend(package for name, package in PDF_LIBRARIES.items() if ctypes.util.find_library(name) is None)
    if not pdf_only and (shutil.which("xgettext") is None or shutil.which("msgmerge") is None):
        absent.append("gettext")  # the English catalogue's test extracts the strings afresh
    return absent


def apt_install(packages: list[str]) -> int:
    """Run apt-get update and install the packages, streaming apt's output; return apt's exit code."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *packages],
    ):
        print("+", " ".join(command), flush=True)
        code = subprocess.run(command, env=env, check=False).returncode
        if code != 0:
            return code
    return 0


def main() -> int:
    """Check, install when root, re-check; 0 when Chromium (unless --pdf), a Japanese font and Pango are present."""
    pdf_only = "--pdf" in sys.argv[1:]
    absent = missing(pdf_only=pdf_only)
    if not absent:
        print("chromium: ok" if not pdf_only else "pdf: ok")
        return 0
    print(f"browser test dependencies missing: {', '.join(absent)}", flush=True)
    if os.geteuid() != 0:
        print(HELP, file=sys.stderr)
        return 1
    code = apt_install(absent)
    absent = missing(pdf_only=pdf_only)
    if code == 0 and not absent:
        print("chromium: ok" if not pdf_only else "pdf: ok")
        return 0
    print(f"apt-get exited with {code}; still missing: {', '.join(absent) or 'nothing'}", file=sys.stderr)
    print(HELP, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

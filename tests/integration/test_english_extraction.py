"""The English catalogue covers the code: every string the code and templates mark for translation is extracted
afresh (Django's makemessages, run in a copy of the project, so the shipped locale files are never written) and must
have its English in locale/en/LC_MESSAGES/django.po, translated and not fuzzy. Strings the code no longer uses must
not linger there, and the English words our own templates mark must read in Japanese when Japanese is active.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.integration.test_english import read_po

ROOT = Path(settings.BASE_DIR)
SHIPPED = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Only the project's own sources are extracted: not the tests, the virtualenv, run-time files or static assets.
NOT_SOURCES = shutil.ignore_patterns(
    ".*", "__pycache__", "*.pyc", "*.mo", "tests", "test-artifacts", "var", "staticfiles", "static", "docs"
)
# English words marked in our templates that stay as they are in Japanese.
SAME_IN_JAPANESE = {"CSV"}
JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]")

Key = tuple[str | None, str, str | None]


def _key(entry: dict) -> Key:
    return entry["msgctxt"], entry["msgid"], entry["msgid_plural"]


def _where(entry: dict) -> str:
    return " ".join(entry.get("locations", [])) or "?"


def extract(project: Path) -> list[dict]:
    """makemessages -l en over a copy of the project; the copy's catalogue, with each entry's #: locations."""
    assert shutil.which("xgettext") and shutil.which("msgmerge"), "GNU gettext is needed: apt-get install gettext"
    copy = project / "copy"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCES)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "en", "--no-obsolete"],
        cwd=copy,
        env={**os.environ, "JLIS_DEVTOOLS": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    blocks = re.split(r"\n\s*\n", po.read_text(encoding="utf-8").strip())  # as read_po splits the file
    entries = read_po(po)
    for entry, block in zip(entries, blocks, strict=True):
        entry["locations"] = [ref for line in block.splitlines() if line.startswith("#:") for ref in line[2:].split()]
    entries = entries[1:]
    return entries


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[Key, dict]:
    before = hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    entries = extract(tmp_path_factory.mktemp("makemessages"))
    assert hashlib.sha256(SHIPPED.read_bytes()).hexdigest() == before, "the extraction wrote the shipped catalogue"
    assert len(entries) > 500
    return {_key(e): e for e in entries}


def test_every_string_the_code_marks_has_its_english(extracted):
    shipped = {_key(e): e for e in read_po(SHIPPED)[1:]}
    missing = [f"{key[1]!r} ({_where(e)})" for key, e in extracted.items() if key not in shipped]
    assert missing == [], "not in locale/en (run makemessages -l en and translate):\n" + "\n".join(missing)
    unfinished = [
        f"{key[1]!r} ({_where(e)})"
        for key, e in extracted.items()
        if "fuzzy" in shipped[key]["flags"]
        or (
            shipped[key]["msgstr"] == ""
            if key[2] is None
            else sorted(shipped[key]["plural"]) != [0, 1] or "" in shipped[key]["plural"].values()
        )
    ]
    assert unfinished == [], "untranslated or fuzzy in locale/en:\n" + "\n".join(unfinished)


def test_the_catalogue_holds_no_string_the_code_no_longer_uses(extracted):
    stale = [repr(key[1]) for key in (_key(e) for e in read_po(SHIPPED)[1:]) if key not in extracted]
    assert stale == [], "in locale/en but no longer in the code (makemessages --no-obsolete):\n" + "\n".join(stale)


def test_english_words_of_our_templates_read_in_japanese(extracted):
    """Words our templates take from packages in English (the history list's headers) have their Japanese."""
    english = [
        key for key in extracted if not JAPANESE.search(key[1]) and re.search(r"[A-Za-z]", PLACEHOLDER.sub("", key[1]))
    ]
    assert len(english) >= 8
    with translation.override("ja"):
        untranslated = [
            key[1]
            for key in english
            if key[1] not in SAME_IN_JAPANESE
            and not JAPANESE.search(
                translation.ngettext(key[1], key[2], 1)
                if key[2]
                else translation.pgettext(key[0], key[1])
                if key[0]
                else translation.gettext(key[1])
            )
        ]
    assert untranslated == []

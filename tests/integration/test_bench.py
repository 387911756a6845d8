"""The bench command runs every line end to end (no timing is asserted: machines differ), and the admin list's
query count does not grow with the number of commitments."""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Organization
from devtools.benchmarks.runner import LINE_KEYS
from tests.support.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
VERDICTS = {"met", "NOT MET", "skipped", "—"}


@pytest.mark.django_db
def test_bench_reports_every_line(tmp_path):
    """`bench --size 100000 --json FILE` as a smoke test, in its own process, on a scratch database of the test
    server (no timing is asserted)."""
    out = tmp_path / "bench.json"
    env = {**os.environ, "DJANGO_DEBUG": "0"}
    done = subprocess.run(
        [sys.executable, "manage.py", "bench", "--size", "100000", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["size"] == 100_000 and report["cpus"] >= 1 and report["server"].startswith("PostgreSQL")
    lines = {line["key"]: line for line in report["lines"]}
    assert tuple(lines) == LINE_KEYS
    for line in lines.values():
        assert line["verdict"] in VERDICTS, line
        assert line["what"] and line["figure"], line
        if line["key"] != "0":
            assert line["target"], line
        if line["skipped"]:
            assert line["note"], line  # says why
        else:
            assert line["values"], line
    # The floors and ratios are there where the design compares with one.
    for key in ("1a", "1b", "1c", "1d", "2", "3c", "3d", "3e", "3f", "3g", "3h", "3i", "3j", "6a"):
        assert lines[key]["ratio"] is not None and lines[key]["ratio"] > 0, lines[key]
    assert lines["0"]["values"]["commitment"] == 100_000
    # The suite runs a Redis broker, so the bench measures line 5 with its own worker thread.
    assert not lines["5"]["skipped"], lines["5"]["note"]
    assert lines["6a"]["values"]["created"] == 10_000 and lines["6a"]["values"]["refused_broken"] is True
    # The import's floor COPYs the 10,000 commitments, their 年割額, import events and history rows it wrote.
    assert lines["6a"]["values"]["floor_rows"] >= 3 * 10_000
    assert lines["3a"]["values"]["rows"] == 50
    # Every line appears in the printed table too, and the scratch database is gone.
    for key in LINE_KEYS:
        assert any(row.startswith(f"{key} ") for row in done.stdout.splitlines()), key
    name = report["database"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_admin_changelist_query_count_does_not_grow_with_commitments(client):
    as_of = datetime.date(2025, 9, 30)
    call_command("generate_commitments", 5, seed=1, organization="件数団体", as_of=as_of, stdout=io.StringIO())
    organization = Organization.objects.get(name="件数団体")
    client.force_login(make_user("count-officer", organization, "finance_officer", staff=True))
    url = "/admin/commitments/commitment/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    call_command("generate_commitments", 120, seed=2, organization="件数団体", as_of=as_of, stdout=io.StringIO())
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="action-select"') == 50  # a full page
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]

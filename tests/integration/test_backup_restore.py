"""The backup procedure of docs/deployment.md, run for real: `pg_dump --format=custom` of the live database,
`pg_restore` into a fresh database, and every figure an auditor reads is identical in the restored copy."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from commitments.models import Commitment, Contract, Organization, Payment
from commitments.services.projection import projection_refresh_all
from devtools.servers import postgres_bin_dir
from tests.support.factories import make_amendment, make_commitment, make_contract, make_org

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2025, 9, 30)
ORGANIZATIONS = ("復元市", "復元町")

# What the auditor reads: the matrix on each basis, the segment summary, and the 調書 of the as-of year.
FIGURES = [
    *(
        ["exposure", "--organization", name, "--basis", basis, "--json"]
        for name in ORGANIZATIONS
        for basis in ("planned", "paid", "contracted", "uncontracted", "total")
    ),
    *(["exposure", "--organization", name, "--by", "segment", "--basis", "total", "--json"] for name in ORGANIZATIONS),
    *(["chousho", "--organization", name, "--fy", "2025", "--json"] for name in ORGANIZATIONS),
]


def _url(database: str) -> str:
    params = connection.settings_dict
    return f"postgresql://{params['USER']}@{params['HOST']}:{params['PORT']}/{database}"


def _figures_in_process() -> list[dict]:
    results = []
    for args in FIGURES:
        out = io.StringIO()
        call_command(*args, stdout=out)
        results.append(json.loads(out.getvalue()))
    return results


def _figures_from(database_url: str) -> list[dict]:
    """The same figures read by separate `manage.py` processes pointed at another database."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "0"}
    results = []
    for args in FIGURES:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        results.append(json.loads(done.stdout))
    return results


def _counts(database_url: str) -> dict[str, int]:
    tables = [
        "commitments_commitment",
        "commitments_plannedamount",
        "commitments_contract",
        "commitments_installment",
        "commitments_payment",
        "commitments_projectionyear",
        "commitments_projectionsnapshot",
        "commitments_historicalcommitment",
        "commitments_commitmentevent",
        "commitments_amendment",
        "commitments_user",
    ]
    with psycopg.connect(database_url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.mark.django_db(transaction=True)
def test_a_restored_dump_gives_identical_figures(tmp_path):
    # One commitment with a life through the services (history, trail, contract, amendment), bulk books beside it.
    o = make_org(ORGANIZATIONS[0], prefix="restore-")
    commitment = make_commitment(o, matter="復元確認用の庁舎清掃業務委託")
    make_contract(o, commitment, "R-001", 6_000_000)
    make_amendment(o, commitment, new_limit_yen=12_000_000)
    for seed, name in enumerate(ORGANIZATIONS, start=1):
        call_command("generate_commitments", 300, seed=seed, organization=name, as_of=AS_OF, stdout=io.StringIO())
    projection_refresh_all(as_of=AS_OF)
    # The books hold contracts, payments and history worth restoring (not a table of zeros).
    assert Contract.objects.count() > 100 and Payment.objects.count() > 100
    assert Organization.objects.filter(name__in=ORGANIZATIONS).count() == 2
    assert Commitment.history.filter(id=commitment.pk).count() >= 3
    before = _figures_in_process()
    assert any(row["total"] for row in before[4]["rows"])  # basis total of the first organization is not empty

    bindir = postgres_bin_dir()
    dump = tmp_path / "jlis.dump"
    live_url = _url(connection.settings_dict["NAME"])
    done = subprocess.run(
        [str(bindir / "pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", live_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 10_000

    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    admin_url = _url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{fresh}" TEMPLATE template0')
    try:
        done = subprocess.run(
            [str(bindir / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_url(fresh)}", str(dump)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert _counts(_url(fresh)) == _counts(live_url)
        after = _figures_from(_url(fresh))
        assert after == before
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')

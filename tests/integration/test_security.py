"""Security settings: login throttling, headers and CSP, production deploy checks, health endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.factories import make_org

ROOT = Path(__file__).resolve().parents[2]


def test_login_locked_after_five_wrong_passwords(client, org):
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": org.auditor.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    fifth = client.post("/accounts/login/", {"username": org.auditor.username, "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post(
        "/accounts/login/", {"username": org.auditor.username, "password": "pw-" + org.auditor.username}
    )
    assert locked.status_code == 429
    assert "ログインを一時停止しています" in locked.content.decode()
    # The same user is locked at the admin login too; another user is not.
    assert client.post("/admin/login/", {"username": org.auditor.username, "password": "x"}).status_code == 429
    other = make_org("別の市", prefix="x_")
    ok = client.post("/accounts/login/", {"username": other.auditor.username, "password": "pw-x_auditor"})
    assert ok.status_code == 302


def test_security_headers_and_csp(client, org):
    client.force_login(org.auditor)
    response = client.get("/exposure/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    assert "onchange=" not in html and "onclick=" not in html  # no inline handlers for the CSP to block


def test_check_deploy_is_clean_with_production_settings():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SITE_URL", "EMAIL_URL"))}
    env.update(
        DJANGO_SECRET_KEY="p" * 20 + "roduction-secret-key-of-fifty-characters!",
        DJANGO_ALLOWED_HOSTS="commitments.example.lg.jp",
        SITE_URL="https://commitments.example.lg.jp",
        DJANGO_BEHIND_TLS_PROXY="1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY"])
def test_production_refuses_to_start_without_secret(missing):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_healthz_reports_database_broker_and_workers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["database"]["ok"] is True and body["broker"]["ok"] is True
    assert "password" not in response.content.decode().lower()


@pytest.mark.django_db(transaction=True)
def test_database_unreachable_gives_a_503_page_not_a_trace(client):
    from django.db import connection

    from devtools.servers import free_port

    o = make_org()
    client.force_login(o.auditor)
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())  # nothing listens there: the database is "down"
    try:
        response = client.get("/exposure/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "一時的に利用できません" in body and "Traceback" not in body and "psycopg" not in body
    assert client.get("/exposure/").status_code == 200  # back as soon as the database is

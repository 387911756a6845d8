"""Configuration from the environment fails loudly, naming the variable."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from jlis_commitments import env


def test_bad_boolean_names_variable(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env.env_bool("DJANGO_DEBUG", False)


def test_database_url_must_be_postgres(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.database_config("DATABASE_URL")


def test_missing_redis_url_names_variable(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env.redis_url("REDIS_URL")


def test_email_url_smtp_tls_with_credentials(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://user%40x:p%2Fw@mail.example:2587")
    config = env.email_config("EMAIL_URL", Path("/unused"))
    assert config["EMAIL_HOST"] == "mail.example"
    assert config["EMAIL_PORT"] == 2587
    assert config["EMAIL_HOST_USER"] == "user@x"
    assert config["EMAIL_HOST_PASSWORD"] == "p/w"
    assert config["EMAIL_USE_TLS"] is True


def test_email_url_unset_writes_files(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    config = env.email_config("EMAIL_URL", Path("var/mail"))
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"


def test_email_url_bad_scheme(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "http://mail.example")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        env.email_config("EMAIL_URL", Path("var/mail"))


def _installed_apps(**env: str) -> list[str]:
    """INSTALLED_APPS of a fresh process with exactly these settings variables (production-like otherwise)."""
    import json
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JLIS_", "PYTEST"))}
    base |= {
        "DJANGO_SECRET_KEY": "s" * 50,
        "DATABASE_URL": "postgres://x@127.0.0.1:1/x",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    code = "import json, django; django.setup(); from django.conf import settings as s; "
    code += "print(json.dumps(s.INSTALLED_APPS))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=base | {"DJANGO_SETTINGS_MODULE": "jlis_commitments.settings"} | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_developer_tools_are_not_installed_in_production():
    assert "devtools" not in _installed_apps(DJANGO_DEBUG="0")
    assert "devtools" in _installed_apps(DJANGO_DEBUG="1")  # the quickstart (make run, make manage)
    assert "devtools" in _installed_apps(DJANGO_DEBUG="0", JLIS_DEVTOOLS="1")  # the tests


def _settings_of(names: list[str], **env: str) -> dict[str, object]:
    """Some settings of a fresh process started with exactly these variables (a quickstart-like environment)."""
    import json
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JLIS_", "PYTEST", "SITE_URL"))}
    base |= {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://x@127.0.0.1:1/x", "REDIS_URL": "redis://127.0.0.1:1/0"}
    code = "import json, django; django.setup(); from django.conf import settings as s; "
    code += f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=base | {"DJANGO_SETTINGS_MODULE": "jlis_commitments.settings"} | env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return {"error": done.stderr}
    return json.loads(done.stdout)


def test_site_url_follows_the_quickstart_port():
    # E-mail and preview links point at the port `make run` serves on (Procfile: runserver ...:${JLIS_WEB_PORT}).
    assert _settings_of(["SITE_URL"]) == {"SITE_URL": "http://127.0.0.1:8000"}
    assert _settings_of(["SITE_URL"], JLIS_WEB_PORT="8123") == {"SITE_URL": "http://127.0.0.1:8123"}
    # An explicit SITE_URL (production, a proxy) always wins; its trailing slash is dropped.
    given = _settings_of(["SITE_URL"], JLIS_WEB_PORT="8123", SITE_URL="https://commitments.example.lg.jp/")
    assert given == {"SITE_URL": "https://commitments.example.lg.jp"}
    # A port that is not a number stops the start, naming the variable.
    assert "JLIS_WEB_PORT='80a'" in str(_settings_of(["SITE_URL"], JLIS_WEB_PORT="80a")["error"])


def test_procfile_serves_on_the_port_site_url_names():
    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    assert "${JLIS_WEB_PORT:-8000}" in procfile

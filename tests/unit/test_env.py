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

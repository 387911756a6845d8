"""Read configuration from the environment and fail loudly, naming the variable, when it is bad."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def load_env_file(path: Path) -> None:
    """Fill unset variables from a KEY=VALUE file (written by the quickstart for its embedded servers)."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip())


def env_str(name: str, default: str | None = None) -> str:
    """A required string, or the default; missing without default is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """A boolean flag: 1/0, true/false, yes/no, on/off."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    """An integer setting."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def server_url(name: str, server: str, schemes: tuple[str, ...]) -> str:
    """A required server URL whose scheme is one of `schemes` (the first is the one named in the message)."""
    raw = os.environ.get(name)
    if not raw:
        raise ImproperlyConfigured(
            f"{name} is not set. Point it at {server}, "
            "or start the embedded servers with `make services` (or `make run`)."
        )
    scheme = urlsplit(raw).scheme
    if scheme not in schemes:
        raise ImproperlyConfigured(f"{name} must be a {schemes[0]}:// URL, got scheme {scheme!r}")
    return raw


def database_config(name: str = "DATABASE_URL") -> dict[str, object]:
    """Django DATABASES['default'] from a postgres:// URL (PostgreSQL is the only engine)."""
    import dj_database_url

    raw = server_url(name, "PostgreSQL (postgresql://user:pass@host:5432/db)", ("postgresql", "postgres", "pgsql"))
    config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database")
    return config


def redis_url(name: str = "REDIS_URL") -> str:
    """The broker URL: redis://, rediss:// or redis+socket://."""
    return server_url(name, "Redis (redis://host:6379/0)", ("redis", "rediss", "redis+socket"))


def email_config(name: str, file_dir: Path) -> dict[str, object]:
    """E-mail backend settings from EMAIL_URL: smtp://, smtp+tls://, smtp+ssl://, console://, file://."""
    raw = os.environ.get(name, "")
    if not raw:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(file_dir),
        }
    parts = urlsplit(raw)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path) or str(file_dir),
        }
    if parts.scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise ImproperlyConfigured(f"{name} must be smtp://, smtp+tls://, smtp+ssl://, console:// or file://")
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name} names no host")
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has a bad port") from exc
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if parts.scheme == "smtp+ssl" else 587 if parts.scheme == "smtp+tls" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
        "EMAIL_TIMEOUT": int(query.get("timeout", ["10"])[0]),
    }

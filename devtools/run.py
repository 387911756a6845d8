"""Quickstart runner: embedded PostgreSQL + Redis (unless URLs are set), migrate, demo data, web + worker + beat.

python -m devtools.run run       everything, in the foreground; Ctrl-C stops all it started
python -m devtools.run services  start (or reuse) the embedded servers and leave them running
python -m devtools.run stop      stop the embedded servers started by `services`
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from devtools.servers import UNPRIVILEGED_USER, EmbeddedPostgres, EmbeddedRedis, _is_root, _readable_by

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
STATE = VAR / "services.json"
ENV_FILE = VAR / "services.env"
PG_PORT = int(os.environ.get("JLIS_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("JLIS_REDIS_PORT", "63799"))


def _data_root() -> Path:
    """var/ when the unprivileged database user can reach it, else a per-project folder under /var/tmp."""
    VAR.mkdir(exist_ok=True)
    if not _is_root() or _readable_by(UNPRIVILEGED_USER, ROOT):
        return VAR
    digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]
    fallback = Path("/var/tmp") / f"jlis-commitments-{digest}"
    fallback.mkdir(parents=True, exist_ok=True)
    os.chmod(fallback, 0o755)
    print(f"note: {ROOT} is not readable by {UNPRIVILEGED_USER!r}; database files live in {fallback}")
    return fallback


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _load_state() -> dict[str, str]:
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def services() -> list[str]:
    """Ensure the embedded servers run; write var/services.env; return the names of those started now."""
    state = _load_state()
    started: list[str] = []
    env_lines: list[str] = []
    if not os.environ.get("DATABASE_URL"):
        if state.get("pg_datadir") and _listening(int(state["pg_port"])):
            url = state["pg_url"]
        else:
            pg = EmbeddedPostgres(_data_root() / "postgres", PG_PORT, fsync=True)
            pg.start()
            state.update(pg_datadir=str(pg.datadir), pg_port=str(pg.port), pg_url=pg.url)
            url = pg.url
            started.append("postgres")
        env_lines.append(f"DATABASE_URL={url}")
    if not os.environ.get("REDIS_URL"):
        if state.get("redis_datadir") and _listening(int(state["redis_port"])):
            url = state["redis_url"]
        else:
            redis = EmbeddedRedis(VAR / "redis", REDIS_PORT, persist=True)
            redis.start()
            state.update(redis_datadir=str(redis.datadir), redis_port=str(redis.port), redis_url=redis.url)
            url = redis.url
            started.append("redis")
        env_lines.append(f"REDIS_URL={url}")
    STATE.write_text(json.dumps(state, indent=2))
    ENV_FILE.write_text(
        "# Written by `make services` / `make run`: the embedded servers of this checkout.\n"
        + "\n".join(env_lines)
        + "\n"
    )
    for line in env_lines:
        print(f"  {line}")
    return started


def stop(names: list[str] | None = None) -> None:
    """Stop the embedded servers recorded in var/services.json (all, or only `names`)."""
    state = _load_state()
    if state.get("redis_datadir") and (names is None or "redis" in names):
        EmbeddedRedis(Path(state["redis_datadir"]), int(state["redis_port"])).stop()
    if state.get("pg_datadir") and (names is None or "postgres" in names):
        EmbeddedPostgres(Path(state["pg_datadir"]), int(state["pg_port"])).stop()
    if names is None or set(names) >= {"postgres", "redis"}:
        ENV_FILE.unlink(missing_ok=True)


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def health(port: str) -> dict | None:
    """The tracker's /healthz answer (also when it says 503), or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"{}")
    except (OSError, ValueError):
        return None


def _announce_ready(port: str, stop: threading.Event, timeout: float = 120.0) -> None:
    """Say when /healthz reports database, broker and a worker up, or what is still missing after `timeout`."""
    deadline = time.monotonic() + timeout
    body: dict | None = None
    while not stop.is_set() and time.monotonic() < deadline:
        body = health(port)
        if body and body.get("ok") and body.get("workers", {}).get("ok"):
            print(
                f"\n  準備完了 (ready): web, database, broker and {body['workers'].get('count', 1)} worker(s) answer.\n"
            )
            return
        stop.wait(0.5)
    if not stop.is_set():
        print(f"\n  warning: not ready after {timeout:.0f} s; /healthz says {body}\n")


def run() -> int:
    """Everything in the foreground: servers, migrate, demo data, then web + worker + beat via honcho."""
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    (VAR / "mail").mkdir(parents=True, exist_ok=True)
    print("Starting the embedded servers (skipped for those given by DATABASE_URL / REDIS_URL)…")
    started = services()
    try:
        _manage("migrate", "--noinput", env=env)
        _manage("load_demo", env=env)
        port = env.get("JLIS_WEB_PORT", "8000")
        print(f"\n  債務負担行為 管理: http://127.0.0.1:{port}/exposure/   管理画面: http://127.0.0.1:{port}/admin/")
        print(f"  E-mail is written to {VAR / 'mail'} (unless EMAIL_URL is set). Ctrl-C stops everything.\n")
        honcho = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-f", "Procfile"], cwd=ROOT, env=env)
        stop_watch = threading.Event()
        threading.Thread(target=_announce_ready, args=(port, stop_watch), daemon=True).start()
        try:
            return honcho.wait()
        except KeyboardInterrupt:
            honcho.send_signal(signal.SIGTERM)  # honcho stops web, worker and beat
            return honcho.wait()
        finally:
            stop_watch.set()
    finally:
        if started:
            print("Stopping the embedded servers…")
            stop(started)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    command = argv[1] if len(argv) > 1 else "run"
    if command == "run":
        return run()
    if command == "services":
        services()
        print(f"Embedded servers are running; manage.py reads their URLs from {ENV_FILE.relative_to(ROOT)}.")
        return 0
    if command == "stop":
        stop()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

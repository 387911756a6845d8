"""`make run` says "ready" only once /healthz reports the database, the broker and a worker up."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from devtools import run


def _server(answers: list[tuple[int, dict]]) -> ThreadingHTTPServer:
    """A stand-in web process on 127.0.0.1 answering /healthz with each of `answers` in turn, then the last."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answers.pop(0) if len(answers) > 1 else answers[0]
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_ready_is_announced_after_the_worker_answers(capsys):
    down = {"ok": False, "database": {"ok": True}, "broker": {"ok": False}, "workers": {"ok": False}}
    no_worker = {"ok": True, "database": {"ok": True}, "broker": {"ok": True}, "workers": {"ok": False, "count": 0}}
    up = {"ok": True, "database": {"ok": True}, "broker": {"ok": True}, "workers": {"ok": True, "count": 2}}
    server = _server([(503, down), (200, no_worker), (200, up)])
    try:
        port = str(server.server_address[1])
        assert run.health(port) == down  # a 503 still carries the body
        run._announce_ready(port, threading.Event(), timeout=10)
    finally:
        server.shutdown()
    out = capsys.readouterr().out
    assert "準備完了 (ready)" in out and "2 worker(s)" in out


def test_not_ready_says_what_is_missing(capsys):
    down = {"ok": False, "database": {"ok": False, "error": "OperationalError"}, "broker": {"ok": True}}
    server = _server([(503, down)])
    try:
        run._announce_ready(str(server.server_address[1]), threading.Event(), timeout=1)
    finally:
        server.shutdown()
    out = capsys.readouterr().out
    assert "not ready after 1 s" in out and "OperationalError" in out and "準備完了" not in out


def test_nothing_listening_is_none():
    server = _server([(200, {})])
    port = str(server.server_address[1])
    server.shutdown()
    server.server_close()
    assert run.health(port) is None

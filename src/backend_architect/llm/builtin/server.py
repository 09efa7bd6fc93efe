"""The builtin model served over HTTP on loopback, for benchmarks and for other OpenAI-compatible clients."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .model import BuiltinModel

__all__ = ["BuiltinServer"]

MAX_BODY = 8_000_000


class BuiltinServer:
    """`with BuiltinServer() as server:` serves on 127.0.0.1 at `server.base_url` until the block ends."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, model: BuiltinModel | None = None):
        model = model or BuiltinModel()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_BODY:
                    status, kind = 413, "application/json"
                    data = json.dumps({"error": {"message": "request too large", "type": "invalid_request"}}).encode()
                else:
                    body = self.rfile.read(length) if length else b""
                    status, kind, data = model.respond(method, self.path.split("?", 1)[0], body)
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self._answer("POST")

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet by design
                return

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> BuiltinServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

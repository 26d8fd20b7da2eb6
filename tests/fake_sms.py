"""FakeSmsGateway: a stand-in for an Indian bulk-SMS gateway (outside our machine), on
localhost. It records each request and answers as told: "ok" (200 with a message id), "slow"
(answers after the client has given up), "error" (HTTP 503)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsGateway:
    def __init__(self):
        self.requests: list[dict] = []
        self.mode = "ok"
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.requests.append(
                    {"auth": self.headers.get("Authorization"), **json.loads(body)}
                )
                if gateway.mode == "slow":
                    time.sleep(2.5)
                if gateway.mode == "error":
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = json.dumps({"id": f"FAKE-{len(gateway.requests)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

"""A local HTTP server on 127.0.0.1 that stands in for the outside network in tests."""

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalHTTPServer(ThreadingHTTPServer):
    """Serves `handler` on a free loopback port; `release` frees handlers that stall on purpose."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.release = threading.Event()

    def handle_error(self, request, client_address) -> None:
        pass  # the client hung up on purpose (timeouts, size cap); nothing to report


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run a LocalHTTPServer in a thread and yield its base URL."""
    server = LocalHTTPServer(handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()

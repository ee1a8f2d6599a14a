"""fetch_url against a real HTTP server on 127.0.0.1; no traffic ever leaves the loopback interface."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from datetime import UTC
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest

from articles import fetching
from articles.fetching import USER_AGENT, FetchedPage, FetchError, fetch_url
from tests.localhttp import LocalHTTPServer, serving

LOCAL = ["127.0.0.1"]
PAGE = b"<!doctype html><html><head><title>Shelling of the market</title></head><body>Report</body></html>"


class _Handler(BaseHTTPRequestHandler):
    server: LocalHTTPServer

    def do_GET(self) -> None:
        path = self.path
        if path == "/page":
            self._send(200, PAGE, "text/html; charset=utf-8")
        elif path == "/page.txt":
            self._send(200, b"Plain text dispatch", "text/plain")
        elif path.startswith("/echo-path"):
            self._send(200, path.encode(), "text/plain")
        elif path == "/echo-headers":
            self._send(200, str(self.headers).encode(), "text/plain")
        elif path == "/missing":
            self._send(404, b"<html>gone</html>", "text/html")
        elif path == "/broken":
            self._send(500, b"<html>oops</html>", "text/html")
        elif path == "/loop-a":
            self._redirect("/loop-b")
        elif path == "/loop-b":
            self._redirect("/loop-a")
        elif path.startswith("/chain/"):
            remaining = int(path.rsplit("/", 1)[1])
            if remaining:
                self._redirect(f"/chain/{remaining - 1}")
            else:
                self._send(200, PAGE, "text/html")
        elif path == "/relative-redirect":
            self._redirect("page#section-2", status=301)
        elif path == "/to-private":
            self._redirect("http://10.0.0.1/admin")
        elif path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path == "/report.pdf":
            self._send(200, b"%PDF-1.7 not a web page", "application/pdf")
        elif path == "/big":
            self._send(200, b"<html>" + b"x" * 200_000 + b"</html>", "text/html")
        elif path == "/big-unannounced":
            # HTTP/1.0 without Content-Length: the body simply runs until the connection closes.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>" + b"x" * 200_000 + b"</html>")
        elif path == "/gzip":
            self._send(200, gzip.compress(PAGE), "text/html", headers={"Content-Encoding": "gzip"})
        elif path == "/gzip-bomb":
            bomb = gzip.compress(b"<html>" + b" " * 10_000_000)
            self._send(200, bomb, "text/html", headers={"Content-Encoding": "gzip"})
        elif path == "/brotli":
            self._send(200, b"\x0b\x02\x80", "text/html", headers={"Content-Encoding": "br"})
        elif path == "/no-content-type":
            self._send(200, PAGE, None)
        elif path == "/no-content-type-binary":
            self._send(200, b"\x89PNG\r\n\x1a\n", None)
        elif path == "/never-answers":
            self.server.release.wait(10)
        elif path == "/stalls-mid-body":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"<html>")
            self.wfile.flush()
            self.server.release.wait(10)
        else:
            self._send(404, b"", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass  # keep the test output quiet


@pytest.fixture(scope="module")
def server():
    with serving(_Handler) as url:
        yield url


@pytest.fixture
def connections(monkeypatch) -> list[tuple]:
    """Record every outgoing connection; fail the test at once if one would leave the loopback."""
    attempted: list[tuple] = []
    real_create_connection = socket.create_connection

    def create_connection(address, *args, **kwargs):
        attempted.append(address)
        assert address[0] in ("127.0.0.1", "::1"), f"test tried to connect to {address}"
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempted


@pytest.fixture
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """Host names the test maps to addresses; IP literals still go through the real getaddrinfo."""
    answers: dict[str, list[str]] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port),
                )
                for address in answers[host]
            ]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


# Success


def test_html_page_is_fetched_with_its_metadata(server, connections):
    page = fetch_url(f"{server}/page", allowed_hosts=LOCAL)

    assert isinstance(page, FetchedPage)
    assert page.content == PAGE
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.url == page.requested_url == f"{server}/page"
    assert page.fetched_at.tzinfo == UTC
    assert connections == [("127.0.0.1", int(server.rsplit(":", 1)[1]))]


def test_plain_text_page_is_accepted(server):
    page = fetch_url(f"{server}/page.txt", allowed_hosts=LOCAL)

    assert page.content_type == "text/plain"
    assert page.content == b"Plain text dispatch"


def test_request_identifies_itself_honestly_and_asks_for_gzip(server):
    page = fetch_url(f"{server}/echo-headers", allowed_hosts=LOCAL)

    assert f"User-Agent: {USER_AGENT}" in page.content.decode()
    assert "Accept-Encoding: gzip" in page.content.decode()


def test_non_ascii_path_and_query_are_percent_encoded(server):
    page = fetch_url(f"{server}/echo-path/Харків?q=shelling report", allowed_hosts=LOCAL)

    assert page.content == b"/echo-path/%D0%A5%D0%B0%D1%80%D0%BA%D1%96%D0%B2?q=shelling%20report"


def test_gzip_response_is_decompressed(server):
    page = fetch_url(f"{server}/gzip", allowed_hosts=LOCAL)

    assert page.content == PAGE
    assert page.headers["content-encoding"] == "gzip"


def test_page_without_content_type_is_accepted_when_it_is_plainly_html(server):
    page = fetch_url(f"{server}/no-content-type", allowed_hosts=LOCAL)

    assert page.content_type == "text/html"
    assert page.content == PAGE


def test_allow_list_accepts_networks_in_cidr_notation(server):
    assert fetch_url(f"{server}/page", allowed_hosts=["127.0.0.0/8"]).content == PAGE


# Redirects


def test_relative_redirect_is_followed_and_final_url_reported(server):
    page = fetch_url(f"{server}/relative-redirect", allowed_hosts=LOCAL)

    assert page.content == PAGE
    assert page.requested_url == f"{server}/relative-redirect"
    assert page.url == f"{server}/page"


def test_redirects_up_to_the_limit_are_followed(server):
    page = fetch_url(f"{server}/chain/2", max_redirects=2, allowed_hosts=LOCAL)

    assert page.url == f"{server}/chain/0"


def test_one_redirect_more_than_the_limit_is_refused(server):
    with pytest.raises(FetchError, match=r"too many redirects: .* more than 2 times"):
        fetch_url(f"{server}/chain/3", max_redirects=2, allowed_hosts=LOCAL)


def test_redirect_loop_is_refused(server):
    with pytest.raises(FetchError, match=r"too many redirects: .* in a loop"):
        fetch_url(f"{server}/loop-a", allowed_hosts=LOCAL)


@pytest.mark.parametrize(("path", "address"), [("/to-private", "10.0.0.1"), ("/to-metadata", "169.254.169.254")])
def test_redirect_to_private_address_is_refused_without_connecting(server, connections, path, address):
    with pytest.raises(FetchError, match=rf"refused: {address} resolves to a private/loopback address"):
        fetch_url(f"{server}{path}", allowed_hosts=LOCAL)

    assert [host for host, _port in connections] == ["127.0.0.1"]


def test_redirect_to_non_http_scheme_is_refused(server):
    with pytest.raises(FetchError, match="unsupported URL scheme 'file'"):
        fetch_url(f"{server}/to-file", allowed_hosts=LOCAL)


# Refusals of the response


def test_http_404_is_reported_with_status_and_reason(server):
    with pytest.raises(FetchError, match=r"HTTP 404 Not Found from http://127\.0\.0\.1:\d+/missing"):
        fetch_url(f"{server}/missing", allowed_hosts=LOCAL)


def test_http_500_is_reported_with_status_and_reason(server):
    with pytest.raises(FetchError, match="HTTP 500 Internal Server Error"):
        fetch_url(f"{server}/broken", allowed_hosts=LOCAL)


def test_pdf_is_refused_as_unsupported_content_type(server):
    with pytest.raises(FetchError, match="unsupported content type application/pdf"):
        fetch_url(f"{server}/report.pdf", allowed_hosts=LOCAL)


def test_binary_without_content_type_is_refused(server):
    with pytest.raises(FetchError, match=r"unsupported content type \(none given\)"):
        fetch_url(f"{server}/no-content-type-binary", allowed_hosts=LOCAL)


def test_body_announced_larger_than_the_limit_is_refused(server):
    with pytest.raises(FetchError, match=r"larger than the 0\.0954 MB limit"):
        fetch_url(f"{server}/big", max_bytes=100_000, allowed_hosts=LOCAL)


def test_body_growing_past_the_limit_without_content_length_is_refused(server):
    with pytest.raises(FetchError, match="MB limit"):
        fetch_url(f"{server}/big-unannounced", max_bytes=100_000, allowed_hosts=LOCAL)


def test_gzip_that_expands_past_the_limit_is_refused(server):
    with pytest.raises(FetchError, match="MB limit"):
        fetch_url(f"{server}/gzip-bomb", max_bytes=100_000, allowed_hosts=LOCAL)


def test_unrequested_content_encoding_is_refused(server):
    with pytest.raises(FetchError, match="unsupported content encoding 'br'"):
        fetch_url(f"{server}/brotli", allowed_hosts=LOCAL)


@pytest.mark.parametrize("path", ["/never-answers", "/stalls-mid-body"])
def test_server_that_stops_answering_times_out(server, path):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.5 seconds"):
        fetch_url(f"{server}{path}", timeout=0.5, allowed_hosts=LOCAL)

    assert time.monotonic() - started < 3


# Refusals before any connection


def test_loopback_is_refused_when_not_allow_listed(server, connections):
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 resolves to a private/loopback address") as refused:
        fetch_url(f"{server}/page", allowed_hosts=[])

    assert connections == []
    assert "allow an address with NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES" in str(refused.value)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.0.0.1/", "10.0.0.1"),
        ("http://192.168.1.1/", "192.168.1.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://100.100.100.200/", "100.100.100.200"),
        ("http://192.0.0.192/", "192.0.0.192"),
        ("http://[::1]/", "::1"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        ("http://224.0.0.1/", "224.0.0.1"),
        ("https://10.0.0.1:8443/", "10.0.0.1"),
    ],
)
def test_private_and_metadata_addresses_are_refused_before_connecting(connections, url, address):
    with pytest.raises(FetchError, match=rf"refused: .* private/loopback address \({address}\)"):
        fetch_url(url, allowed_hosts=LOCAL)

    assert connections == []


@pytest.mark.parametrize("url", ["http://2130706433/", "http://0x7f.1/", "http://127.1/"])
def test_unusual_spellings_of_loopback_are_refused(connections, url):
    with pytest.raises(FetchError, match=r"private/loopback address \(127\.0\.0\.1\)"):
        fetch_url(url, allowed_hosts=[])

    assert connections == []


def test_host_name_is_refused_if_any_of_its_addresses_is_private(connections, fake_dns):
    fake_dns["intranet.example"] = ["93.184.215.14", "10.1.2.3"]

    with pytest.raises(FetchError, match=r"refused: intranet\.example resolves to .* \(10\.1\.2\.3\)"):
        fetch_url("http://intranet.example/", allowed_hosts=LOCAL)

    assert connections == []


@pytest.mark.parametrize(
    "url", ["ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)", "example.org/page"]
)
def test_non_http_scheme_is_refused(connections, url):
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetch_url(url)

    assert connections == []


@pytest.mark.parametrize("url", ["http:///path", "http://example.org:99999/", "http://example.org:port/"])
def test_malformed_url_is_refused(connections, url):
    with pytest.raises(FetchError, match="invalid URL"):
        fetch_url(url)

    assert connections == []


# DNS rebinding


def test_connection_goes_to_the_checked_address_with_the_original_host_header(server, connections, fake_dns):
    port = int(server.rsplit(":", 1)[1])
    fake_dns["news.example"] = ["127.0.0.1"]

    page = fetch_url(f"http://news.example:{port}/echo-headers", allowed_hosts=LOCAL)

    assert f"Host: news.example:{port}" in page.content.decode()
    assert connections == [("127.0.0.1", port)]


def test_host_name_can_be_allow_listed_by_name(server, fake_dns):
    port = int(server.rsplit(":", 1)[1])
    fake_dns["archive.test"] = ["127.0.0.1"]

    page = fetch_url(f"http://archive.test:{port}/page", allowed_hosts=["archive.test"])

    assert page.content == PAGE


def test_https_sends_the_url_host_name_as_sni_while_connecting_to_the_checked_address(connections, fake_dns):
    # A TLS server without a certificate: the handshake fails, but only after the client said which
    # host it wants (SNI), which is what this test is about.
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_one() -> None:
        connection, _address = listener.accept()
        with connection, pytest.raises(ssl.SSLError):
            context.wrap_socket(connection, server_side=True)

    thread = threading.Thread(target=accept_one, daemon=True)
    thread.start()
    fake_dns["news.example"] = ["127.0.0.1"]

    with pytest.raises(FetchError, match=r"secure connection to news\.example failed"):
        fetch_url(f"https://news.example:{port}/", timeout=2, allowed_hosts=LOCAL)

    thread.join(2)
    listener.close()
    assert server_names == ["news.example"]
    assert connections == [("127.0.0.1", port)]


# Settings


def test_limits_and_allow_list_default_to_django_settings(server, monkeypatch):
    project_settings = SimpleNamespace(
        configured=True,
        NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES=["127.0.0.1"],
        NEWSARCHIVE_FETCH_MAX_BYTES=100_000,
    )
    monkeypatch.setattr(fetching, "settings", project_settings)

    assert fetch_url(f"{server}/page").content == PAGE
    with pytest.raises(FetchError, match=r"0\.0954 MB limit"):
        fetch_url(f"{server}/big")


def test_without_django_settings_built_in_defaults_apply(server, monkeypatch, connections):
    monkeypatch.setattr(fetching, "settings", SimpleNamespace(configured=False))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)

    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1"):
        fetch_url(f"{server}/page")

    assert connections == []

"""The only code of the project that touches the network: fetch one web page so it can be archived.

Standard library only. Every hop (the first request and each redirect) is checked before any byte is
sent: http/https only, and the host must not resolve to a loopback, private, link-local, multicast,
reserved or cloud-metadata address (server-side request forgery). The connection goes to the address
that was checked, never to a second DNS answer, so a host cannot pass the check with a public address
and then be reached at a private one (DNS rebinding). Responses are capped in time and size, and only
HTML and plain text are accepted. gzip is requested and decompressed, with the size cap applied to the
decompressed bytes.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

from django.conf import ENVIRONMENT_VARIABLE, settings

USER_AGENT = "newsarchive/0.1 (research news archive)"

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5

ACCEPTED_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# Cloud instance-metadata endpoints. Most are link-local or private anyway; listed so that the ones that
# are not (Oracle's 192.0.0.192) are refused as well.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)

_CHUNK_SIZE = 64 * 1024
_HTML_SNIFF_PREFIXES = (b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FetchedPage:
    url: str  # final URL after redirects
    requested_url: str
    status: int
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    content: bytes  # decoded from gzip when the server compressed it
    content_type: str  # media type without parameters, e.g. "text/html"
    fetched_at: datetime  # tz-aware UTC


class FetchError(Exception):
    """A URL could not be archived; the message says why in words a researcher understands."""


def fetch_url(
    url: str,
    *,
    timeout: float | None = None,
    max_bytes: int | None = None,
    max_redirects: int | None = None,
    allowed_hosts: Iterable[str] | None = None,
) -> FetchedPage:
    """Fetch an HTML or text page over http(s), following redirects, refusing private addresses."""
    if timeout is None:
        timeout = float(_setting("NEWSARCHIVE_FETCH_TIMEOUT", DEFAULT_TIMEOUT))
    if max_bytes is None:
        max_bytes = int(_setting("NEWSARCHIVE_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES))
    if max_redirects is None:
        max_redirects = int(_setting("NEWSARCHIVE_FETCH_MAX_REDIRECTS", DEFAULT_MAX_REDIRECTS))
    if allowed_hosts is None:
        allowed_hosts = _setting("NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES", ())
    allow_list = _AllowList.parse(allowed_hosts)

    current_url = url.strip()
    seen = {current_url}
    for _hop in range(max_redirects + 1):
        parts = _parse_url(current_url)
        addresses = _resolve_public_addresses(parts, allow_list)
        response = _request(parts, addresses, timeout=timeout, max_bytes=max_bytes)
        if response.location is None:
            return FetchedPage(
                url=current_url,
                requested_url=url,
                status=response.status,
                headers=response.headers,
                content=response.content,
                content_type=response.content_type,
                fetched_at=datetime.now(UTC),
            )
        next_url = urljoin(current_url, response.location).split("#", 1)[0]
        if next_url in seen:
            raise FetchError(f"too many redirects: {url} redirects in a loop (back to {next_url})")
        seen.add(next_url)
        current_url = next_url
    raise FetchError(f"too many redirects: {url} redirected more than {max_redirects} times")


def _setting(name: str, default):
    # `settings.configured` stays False until something reads a setting, even when DJANGO_SETTINGS_MODULE
    # is set; reading then loads the project's settings. Without either, the module works on its own.
    if not settings.configured and not os.environ.get(ENVIRONMENT_VARIABLE):
        return default
    return getattr(settings, name, default)


@dataclass(frozen=True)
class _AllowList:
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    hostnames: frozenset[str]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> _AllowList:
        if isinstance(entries, str):
            entries = [entries]
        networks = []
        hostnames = set()
        for entry in entries:
            entry = entry.strip().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hostnames.add(entry.lower().rstrip("."))
        return cls(networks=tuple(networks), hostnames=frozenset(hostnames))

    def allows(self, host: str, address: IPAddress) -> bool:
        return host in self.hostnames or any(address in network for network in self.networks)


def _parse_url(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchError(f"invalid URL {url!r}: {error}") from None
    if port == 0:
        raise FetchError(f"invalid URL {url!r}: port 0")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme!r}" if scheme else "(none)"
        raise FetchError(f"unsupported URL scheme {shown} in {url!r}: only http and https pages can be archived")
    if not parts.hostname:
        raise FetchError(f"invalid URL {url!r}: it names no host")
    return parts._replace(scheme=scheme)


def _ascii_host(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise FetchError(f"invalid host name {host!r}") from None


def _resolve_public_addresses(parts: SplitResult, allow_list: _AllowList) -> list[str]:
    """Resolve the URL's host once; refuse if any address is not public (unless allow-listed)."""
    host = _ascii_host(parts)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"could not find the server {host}: {error}") from None
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]
        address = ipaddress.ip_address(text)
        if _is_forbidden(address) and not allow_list.allows(host, address):
            raise FetchError(
                f"refused: {host} resolves to a private/loopback address ({address}); "
                "only pages on the public internet can be archived (an administrator can allow an address with "
                "NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES)"
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise FetchError(f"could not find the server {host}: no address")
    return addresses


def _is_forbidden(address: IPAddress) -> bool:
    if address in METADATA_ADDRESSES:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 spelling of an IPv4 address must be judged as that IPv4 address.
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and _is_forbidden(embedded):
            return True
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Talks to `host` (Host header) but connects only to the already validated `addresses`."""

    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def _connect_pinned(self) -> socket.socket:
        *earlier, last = self._addresses
        for address in earlier:
            try:
                return socket.create_connection((address, self.port), self.timeout)
            except OSError:
                continue  # a host with several addresses may answer on another one
        return socket.create_connection((last, self.port), self.timeout)

    def connect(self) -> None:
        self.sock = self._connect_pinned()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        # SNI and certificate check use the host name from the URL, not the address connected to.
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    content: bytes
    content_type: str
    location: str | None


def _request(parts: SplitResult, addresses: list[str], *, timeout: float, max_bytes: int) -> _Response:
    host = _ascii_host(parts)
    url = urlunsplit(parts)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, parts.port, addresses=addresses, timeout=timeout)
    try:
        connection.request(
            "GET",
            _request_target(parts),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9",
                "Accept-Encoding": "gzip",
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        return _read_response(response, url, max_bytes=max_bytes)
    except TimeoutError:
        raise FetchError(f"timed out after {timeout:g} seconds waiting for {url}") from None
    except ssl.SSLError as error:
        raise FetchError(f"secure connection to {host} failed: {error.reason or error}") from None
    except http.client.IncompleteRead as error:
        raise FetchError(f"the connection to {host} closed before the whole page arrived ({error})") from None
    except (http.client.HTTPException, OSError) as error:
        raise FetchError(f"could not fetch {url}: {error or type(error).__name__}") from None
    finally:
        connection.close()


def _request_target(parts: SplitResult) -> str:
    # Non-ASCII and spaces are percent-encoded; existing escapes and reserved characters are kept.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return path


def _read_response(response: http.client.HTTPResponse, url: str, *, max_bytes: int) -> _Response:
    status = response.status
    headers = {}
    for name, value in response.getheaders():
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value

    if status in REDIRECT_STATUSES and headers.get("location"):
        return _Response(status=status, headers=headers, content=b"", content_type="", location=headers["location"])
    if status >= 300:
        reason = response.reason or _standard_reason(status)
        raise FetchError(f"HTTP {status} {reason} from {url}")

    content_type = response.headers.get_content_type() if "content-type" in headers else ""
    if content_type and content_type not in ACCEPTED_CONTENT_TYPES:
        raise FetchError(f"unsupported content type {content_type} at {url}: only HTML and plain text can be archived")

    declared_length = headers.get("content-length", "").strip()
    if declared_length.isdigit() and int(declared_length) > max_bytes:
        raise _too_large(url, max_bytes)

    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        content = _read_gzip(response, url, max_bytes=max_bytes)
    elif encoding in ("", "identity"):
        content = _read_capped(response, url, max_bytes=max_bytes)
    else:
        raise FetchError(f"unsupported content encoding {encoding!r} at {url}")

    if not content_type:
        # No Content-Type header: accept only what plainly is an HTML document.
        if not content.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_HTML_SNIFF_PREFIXES):
            raise FetchError(f"unsupported content type (none given) at {url}: the server did not say what it sent")
        content_type = "text/html"
    return _Response(status=status, headers=headers, content=content, content_type=content_type, location=None)


def _read_chunks(response: http.client.HTTPResponse, url: str, *, max_bytes: int) -> Iterator[bytes]:
    received = 0
    while chunk := response.read(_CHUNK_SIZE):
        received += len(chunk)
        if received > max_bytes:
            raise _too_large(url, max_bytes)
        yield chunk


def _read_capped(response: http.client.HTTPResponse, url: str, *, max_bytes: int) -> bytes:
    return b"".join(_read_chunks(response, url, max_bytes=max_bytes))


def _read_gzip(response: http.client.HTTPResponse, url: str, *, max_bytes: int) -> bytes:
    # Decompress as the bytes arrive and stop as soon as the output passes the cap, so a small
    # compressed body that expands to gigabytes (a "gzip bomb") never gets inflated in memory.
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    content = bytearray()
    try:
        for chunk in _read_chunks(response, url, max_bytes=max_bytes):
            data = chunk
            while data and not decompressor.eof:
                content += decompressor.decompress(data, max_bytes - len(content) + 1)
                if len(content) > max_bytes:
                    raise _too_large(url, max_bytes)
                data = decompressor.unconsumed_tail
            if decompressor.eof:
                break
        content += decompressor.flush()
    except zlib.error as error:
        raise FetchError(f"the server sent corrupt gzip data for {url}: {error}") from None
    if len(content) > max_bytes:
        raise _too_large(url, max_bytes)
    if not decompressor.eof:
        raise FetchError(f"the server sent truncated gzip data for {url}")
    return bytes(content)


def _too_large(url: str, max_bytes: int) -> FetchError:
    return FetchError(f"the page at {url} is larger than the {max_bytes / (1024 * 1024):.3g} MB limit")


def _standard_reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""

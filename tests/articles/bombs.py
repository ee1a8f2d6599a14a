"""Decompression bombs built on the fly: gigabytes inflated, about a megabyte written, little memory used to build."""

from __future__ import annotations

import struct
import zlib
from typing import IO

MiB = 1024 * 1024
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def write_gzip_member(out: IO[bytes], *, head: bytes = b"", fill: bytes = b"\0", size: int, tail: bytes = b"") -> None:
    """One gzip member holding `head`, `size` bytes of `fill` repeated, then `tail`.

    The fill is compressed once, one MiB at a time after a full flush (so it refers to nothing before it), and
    that compressed segment is written again and again: building a 1 GiB bomb costs a CRC, not a compression.
    """
    chunk = (fill * (MiB // len(fill) + 1))[:MiB]
    assert size % MiB == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    out.write(GZIP_HEADER)
    out.write(compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH))
    segment = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(size // MiB):
        out.write(segment)
        crc = zlib.crc32(chunk, crc)
    out.write(compressor.compress(tail) + compressor.flush())
    crc = zlib.crc32(tail, crc)
    out.write(struct.pack("<II", crc, (len(head) + size + len(tail)) & 0xFFFFFFFF))


def warc_response_head(url: str, *, payload_size: int, content_type: str = "text/html") -> bytes:
    """The WARC and HTTP headers of a response record whose payload of `payload_size` bytes follows."""
    http = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {payload_size}\r\n\r\n".encode()
    warc = (
        "WARC/1.0\r\n"
        "WARC-Type: response\r\n"
        "WARC-Record-ID: <urn:uuid:5a1c7a52-4b8c-4b7e-9f34-0f4b1d0e9a11>\r\n"
        "WARC-Date: 2024-03-01T10:00:00Z\r\n"
        f"WARC-Target-URI: {url}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http) + payload_size}\r\n\r\n"
    ).encode()
    return warc + http

"""What a file is, judged from its bytes, never from its name: a small signature table.

No well-kept sniffing library is installed (python-magic needs libmagic, `filetype` is not in the
environment), and evidence needs only a dozen types, so the table is written out here, each entry from
its format's specification. Binary types are recognised by their leading signature; `text/plain` is what
matches none of them and is, in full, valid UTF-8 without control characters other than tab, line feed,
form feed and carriage return (checked chunk by chunk as the upload streams, see `TextCheck`)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

# The longest signature read (RIFF ... WAVE, ftyp + brand); a shorter file is judged on what it has.
SNIFF_BYTES = 16
TEXT = "text/plain"

# ISO base media file format (ISO/IEC 14496-12): bytes 4..8 are "ftyp", 8..12 the major brand.
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"iso7",
    b"iso8",
    b"iso9",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"mmp4",
    b"MSNV",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3g2a",
}
_M4A_BRANDS = {b"M4A ", b"M4B "}


def _ftyp(head: bytes, brands: set[bytes]) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in brands


def _mp3(head: bytes) -> bool:
    if head[:3] == b"ID3":  # an ID3v2 tag in front of the frames
        return True
    # A bare MPEG audio frame header: 11 sync bits, a version that exists, layer III, a usable bitrate.
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer, bitrate = (head[1] >> 3) & 3, (head[1] >> 1) & 3, head[2] >> 4
    return version != 1 and layer == 1 and bitrate not in (0, 15)


SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda h: h[:3] == b"\xff\xd8\xff",
    "image/png": lambda h: h[:8] == b"\x89PNG\r\n\x1a\n",
    "image/gif": lambda h: h[:6] in (b"GIF87a", b"GIF89a"),
    "image/webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    "application/pdf": lambda h: h[:5] == b"%PDF-",
    "audio/wav": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE",
    "audio/mpeg": _mp3,
    "audio/mp4": lambda h: _ftyp(h, _M4A_BRANDS),
    "video/mp4": lambda h: _ftyp(h, _MP4_BRANDS),
    "video/quicktime": lambda h: _ftyp(h, {b"qt  "}),
}
KNOWN_TYPES = frozenset({*SIGNATURES, TEXT})


def sniff(head: bytes) -> str | None:
    """The binary type whose signature `head` (the first SNIFF_BYTES of the file) carries; None means no
    binary type, so the file can only be text."""
    for media_type, matches in SIGNATURES.items():
        if matches(head):
            return media_type
    return None


# Control characters are ASCII, so in UTF-8 they are single bytes that never occur inside a multi-byte
# sequence: the raw bytes can be searched for them without decoding.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class TextCheck:
    """Is the whole stream plain text? Fed chunk by chunk; a UTF-8 sequence may straddle two chunks."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.ok = True

    def feed(self, chunk: bytes | bytearray | memoryview, final: bool = False) -> bool:
        if self.ok:
            try:
                self._decoder.decode(chunk, final)
            except UnicodeDecodeError:
                self.ok = False
            else:
                self.ok = _CONTROL.search(chunk) is None
        return self.ok

"""What image bytes are: format checks by magic bytes, MIME types and sizes.

Bytes from the network or from a cache file are only trusted once they look
like the format they claim to be; anything else is a failed render.
"""

from __future__ import annotations

import re
import struct

MIMETYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_SVG_ROOT = re.compile(rb"<svg[\s>]")
_SVG_SIZE = re.compile(
    rb"<svg\b[^>]*?\b(width|height)\s*=\s*[\"']\s*([0-9.]+)(?:px)?\s*[\"']"
    rb"[^>]*?\b(width|height)\s*=\s*[\"']\s*([0-9.]+)(?:px)?\s*[\"']",
    re.DOTALL,
)


def looks_like(data: bytes, fmt: str) -> bool:
    """Whether ``data`` starts the way a ``fmt`` file must."""
    if fmt == "png":
        return data.startswith(_PNG_MAGIC) and len(data) > 24
    if fmt == "pdf":
        return data.lstrip()[:5] == b"%PDF-"
    if fmt == "svg":
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        return head.startswith(b"<") and bool(_SVG_ROOT.search(head))
    return False


def image_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """The pixel size of a PNG (its IHDR) or the declared size of an SVG."""
    if fmt == "png" and looks_like(data, "png") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if fmt == "svg":
        match = _SVG_SIZE.search(data[:4096])
        if match:
            size = {match[1]: match[2], match[3]: match[4]}
            if set(size) == {b"width", b"height"}:
                return round(float(size[b"width"])), round(float(size[b"height"]))
    return None

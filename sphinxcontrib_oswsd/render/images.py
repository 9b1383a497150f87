"""What image bytes are: validation, MIME types and sizes.

Bytes from the network or from a cache file are only trusted once
:func:`checked_image` has read them whole: a PNG chunk by chunk with its
checksums, a PDF's frame and page size, an SVG parsed and sanitised (see
:mod:`.sanitize`). Anything else is a failed render, never a cache entry.
"""

from __future__ import annotations

import math
import re
import struct
import zlib

from .sanitize import UnsafeSVG, sanitize_svg

MIMETYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}
#: The largest side and area of an image worth publishing; beyond them a
#: browser or TeX gives up, so they are a hostile or broken image.
MAX_SIDE = 32_000
MAX_AREA = 100_000_000
MAX_PDF_POINTS = 14_400  # the PDF limit: 200 inches

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.DOTALL)
_SVG_LENGTH = re.compile(r"\s*(\d{1,9}(?:\.\d{1,9})?)\s*(?:px)?\s*")
_SVG_ATTRIBUTE = r"""\s{0}\s*=\s*["']([^"']*)["']"""
_PDF_MEDIABOX = re.compile(rb"/MediaBox\s*\[([^\]]{0,200})\]")


class ImageError(ValueError):
    """The bytes are not a usable image of the format they claim to be;
    ``str()`` completes "image ...", as in "image is not a PNG"."""


def checked_image(data: bytes, fmt: str) -> bytes:
    """``data`` if it is a whole, sane image of ``fmt`` (an SVG comes back
    sanitised); raises :class:`ImageError` saying what is wrong."""
    if fmt == "png":
        _check_png(data)
    elif fmt == "pdf":
        _check_pdf(data)
    elif fmt == "svg":
        try:
            data = sanitize_svg(data)
        except UnsafeSVG as error:
            raise ImageError(f"is not a usable SVG: {error}") from None
        if _svg_size(data) is None:
            raise ImageError("is an SVG without a valid width and height")
    else:
        raise ImageError(f"is of an unknown format {fmt!r}")
    return data


def image_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """The pixel size of a PNG (its IHDR) or the declared size of an SVG;
    ``None`` when it cannot be told."""
    if fmt == "png" and data.startswith(_PNG_MAGIC) and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if fmt == "svg":
        return _svg_size(data)
    return None


def _sane(width: float, height: float) -> bool:
    return (
        0 < width <= MAX_SIDE
        and 0 < height <= MAX_SIDE
        and (width * height <= MAX_AREA)
    )


def _check_png(data: bytes) -> None:
    """Every chunk whole with a right CRC, a sane IHDR first, IEND last."""
    if not data.startswith(_PNG_MAGIC):
        raise ImageError("is not a PNG")
    offset, first, last = len(_PNG_MAGIC), None, None
    while offset < len(data):
        if offset + 12 > len(data):
            raise ImageError("is a truncated PNG")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        end = offset + 12 + length
        tag, body = data[offset + 4 : offset + 8], data[offset + 8 : end - 4]
        if (
            end > len(data)
            or zlib.crc32(tag + body) != struct.unpack(">I", data[end - 4 : end])[0]
        ):
            raise ImageError("is a damaged PNG (a chunk is cut or fails its CRC)")
        first, last, offset = first or tag, tag, end
    if first != b"IHDR" or last != b"IEND":
        raise ImageError("is a PNG without IHDR first and IEND last")
    width, height = struct.unpack(">II", data[16:24])
    if not _sane(width, height):
        raise ImageError(f"is a PNG of implausible size {width}x{height}")


def _check_pdf(data: bytes) -> None:
    """A PDF header, an end-of-file marker, a plausible page size."""
    if data[:5] != b"%PDF-":
        raise ImageError("is not a PDF")
    if b"%%EOF" not in data[-1024:]:
        raise ImageError("is a truncated PDF (no %%EOF at its end)")
    for match in _PDF_MEDIABOX.finditer(data):
        try:
            x0, y0, x1, y1 = (float(v) for v in match[1].split())
        except ValueError:
            raise ImageError("is a PDF with an unreadable page size") from None
        width, height = x1 - x0, y1 - y0
        if not all(math.isfinite(v) for v in (width, height)) or not (
            0 < width <= MAX_PDF_POINTS and 0 < height <= MAX_PDF_POINTS
        ):
            raise ImageError("is a PDF of implausible page size")


def _svg_size(data: bytes) -> tuple[int, int] | None:
    """The root's ``width`` and ``height`` (plain numbers or pixels), else
    its ``viewBox`` size, if sane."""
    tag = _SVG_TAG.search(data[:8192])
    if not tag:
        return None
    text = tag[0].decode("utf-8", "replace")
    width, height = (_svg_attribute(text, name) for name in ("width", "height"))
    sizes = [_svg_length(width), _svg_length(height)]
    if None in sizes:
        box = (_svg_attribute(text, "viewBox") or "").replace(",", " ").split()
        sizes = [_svg_length(v) for v in box[2:]] if len(box) == 4 else [None]
    if len(sizes) != 2 or None in sizes:
        return None
    w, h = round(sizes[0]), round(sizes[1])  # type: ignore[arg-type]
    return (w, h) if _sane(w, h) else None


def _svg_attribute(tag: str, name: str) -> str | None:
    match = re.search(_SVG_ATTRIBUTE.format(name), tag)
    return match[1] if match else None


def _svg_length(text: str | None) -> float | None:
    match = _SVG_LENGTH.fullmatch(text) if text is not None else None
    return float(match[1]) if match else None

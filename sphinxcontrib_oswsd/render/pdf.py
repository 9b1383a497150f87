"""The PDF writer of the offline renderer.

A one-page vector PDF sized to the diagram, for LaTeX (``\\includegraphics``)
and for readers who want a file.  It uses the standard Helvetica fonts, which
every PDF reader has and whose widths the layout measured, so nothing is
embedded; their WinAnsi encoding covers Western European text only, and any
other character (CJK included) prints as ``?``.  Linked steps carry URI link
annotations.  The bytes depend on the diagram alone: no dates, no random ids.
"""

from __future__ import annotations

import hashlib
import zlib
from urllib.parse import quote

from ..wsd.model import Diagram, SourceRef
from .layout import Layout, Path, Rect, Shape, Text, layout
from .svg import Linker, safe_url, tooltip
from .theme import LIGHT

_KAPPA = 0.5523  # Bézier handle length of a quarter circle, per radius
_FONTS = {False: "/F1", True: "/F2"}
_HALO_WIDTH = 3


def render_pdf(
    diagram: Diagram,
    *,
    link: Linker | None = None,
    title: str | None = None,
    max_width: float | None = None,
) -> bytes:
    """``diagram`` as a PDF document.

    ``link`` maps a step's source reference to a URL (or ``None``: no link);
    ``title`` is the document title, by default the diagram's own;
    ``max_width`` is the width budget in pt, e.g. LaTeX's text width (see
    :func:`.layout.layout`).
    """
    drawn = layout(diagram, max_width)
    content = _Content(drawn.height).draw(drawn)
    annotations = _links(drawn, link)
    return _document(drawn, content, annotations, title or diagram.title)


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _colour(hex_colour: str) -> str:
    channels = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return " ".join(_num(round(c, 3)) for c in channels)


def _literal(data: bytes) -> bytes:
    """A PDF literal string, kept to printable ASCII."""
    out = bytearray(b"(")
    for byte in data:
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out + b")")


def _text_string(text: str) -> bytes:
    """A PDF text string (document title, link description): ASCII as is,
    anything else in UTF-16 with a byte order mark."""
    if text.isascii():
        return _literal(text.encode("ascii"))
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _winansi(text: str) -> bytes:
    """What Helvetica can show: WinAnsi (cp1252) bytes, ``?`` for the rest."""
    return text.encode("cp1252", errors="replace")


class _Content:
    """The page's content stream; PDF's y axis points up, the layout's down."""

    def __init__(self, height: float) -> None:
        self.height = height
        self.ops: list[str] = []

    def y(self, value: float) -> str:
        return _num(self.height - value)

    def draw(self, drawn: Layout) -> bytes:
        self.ops.append("1 J 1 j")  # round caps and joins
        for element in drawn.elements:
            for shape in element.shapes:
                self.shape(shape)
        return "\n".join(self.ops).encode("latin-1")

    def shape(self, shape: Shape) -> None:
        if isinstance(shape, Text):
            self.text(shape)
            return
        paint = LIGHT[shape.role]
        ops = []
        if paint.fill:
            ops.append(f"{_colour(paint.fill)} rg")
        if paint.stroke:
            ops.append(f"{_colour(paint.stroke)} RG {_num(paint.width)} w")
        if isinstance(shape, Path) and shape.dashed:
            ops.append("[6 4] 0 d")
        ops.append(self.outline(shape))
        closed = isinstance(shape, Rect) or shape.closed
        fill = paint.fill and closed
        ops.append("B" if fill and paint.stroke else "f" if fill else "S")
        if isinstance(shape, Path) and shape.dashed:
            ops.append("[] 0 d")
        self.ops.append(" ".join(ops))

    def outline(self, shape: Rect | Path) -> str:
        if isinstance(shape, Path):
            first, *rest = shape.points
            ops = [f"{_num(first[0])} {self.y(first[1])} m"]
            ops += (f"{_num(x)} {self.y(y)} l" for x, y in rest)
            if shape.closed:
                ops.append("h")
            return " ".join(ops)
        if not shape.radius:
            return (
                f"{_num(shape.x)} {self.y(shape.y + shape.h)} "
                f"{_num(shape.w)} {_num(shape.h)} re"
            )
        return self.rounded(shape)

    def rounded(self, rect: Rect) -> str:
        """A rectangle with quarter-circle corners, as Bézier curves."""
        r = min(rect.radius, rect.w / 2, rect.h / 2)
        k = r * _KAPPA
        x0, y0, x1, y1 = rect.x, rect.y, rect.x + rect.w, rect.y + rect.h

        def pt(x: float, y: float) -> str:
            return f"{_num(x)} {self.y(y)}"

        return " ".join(
            [
                f"{pt(x0 + r, y0)} m",
                f"{pt(x1 - r, y0)} l",
                f"{pt(x1 - r + k, y0)} {pt(x1, y0 + r - k)} {pt(x1, y0 + r)} c",
                f"{pt(x1, y1 - r)} l",
                f"{pt(x1, y1 - r + k)} {pt(x1 - r + k, y1)} {pt(x1 - r, y1)} c",
                f"{pt(x0 + r, y1)} l",
                f"{pt(x0 + r - k, y1)} {pt(x0, y1 - r + k)} {pt(x0, y1 - r)} c",
                f"{pt(x0, y0 + r)} l",
                f"{pt(x0, y0 + r - k)} {pt(x0 + r - k, y0)} {pt(x0 + r, y0)} c",
                "h",
            ]
        )

    def text(self, text: Text) -> None:
        string = _literal(_winansi(text.text)).decode("ascii")
        place = f"{_FONTS[text.bold]} {_num(text.size)} Tf "
        place += f"{_num(text.x)} {self.y(text.y)} Td {string} Tj"
        if text.halo and LIGHT["background"].fill:
            halo = _colour(LIGHT["background"].fill)
            self.ops.append(f"q {halo} RG {_HALO_WIDTH} w BT 1 Tr {place} ET Q")
        fill = _colour(LIGHT[text.role].fill or "#000000")
        self.ops.append(f"BT {fill} rg 0 Tr {place} ET")


def _links(drawn: Layout, link: Linker | None) -> list[bytes]:
    """A link annotation over every step whose reference has a URL."""
    if link is None:
        return []
    annotations = []
    urls: dict[SourceRef, str | None] = {}
    for element in drawn.steps():
        ref = element.step.ref
        if ref is None:
            continue
        if ref not in urls:
            urls[ref] = safe_url(link(ref))
        if urls[ref] is None:
            continue
        x0, y0, x1, y1 = element.bounds
        box = " ".join(
            _num(v)
            for v in (x0 - 2, drawn.height - y1 - 2, x1 + 2, drawn.height - y0 + 2)
        )
        uri = _literal(quote(urls[ref], safe="/:?#[]@!$&'()*+,;=%~").encode("ascii"))
        annotations.append(
            b"<< /Type /Annot /Subtype /Link /Rect [" + box.encode() + b"]"
            b" /Border [0 0 0] /Contents "
            + _text_string(tooltip(ref))
            + b" /A << /Type /Action /S /URI /URI "
            + uri
            + b" >> >>"
        )
    return annotations


def _document(
    drawn: Layout, content: bytes, annotations: list[bytes], title: str | None
) -> bytes:
    """Number the objects, write them with their cross-reference table."""
    size = f"{_num(drawn.width)} {_num(drawn.height)}".encode()
    first_annot = 7
    annots = b" ".join(b"%d 0 R" % (first_annot + i) for i in range(len(annotations)))
    stream = zlib.compress(content, 9)
    info = b"<< /Producer (sphinxcontrib-oswsd)"
    if title:
        info += b" /Title " + _text_string(title)
    info += b" >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + size + b"]"
        b" /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R"
        + (b" /Annots [" + annots + b"]" if annotations else b"")
        + b" >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
        b" /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold"
        b" /Encoding /WinAnsiEncoding >>",
        *annotations,
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().upper().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1,
        len(objects),
        digest,
        digest,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)

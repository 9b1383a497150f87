"""The PDF writer of the offline renderer.

Vector PDF pages sized to the diagram, for LaTeX (``\\includegraphics``)
and for readers who want a file.  Text that Windows-1252 covers is set in the
standard Helvetica fonts, which every PDF reader has and whose widths the
layout measured, so nothing is embedded for it.  Any other character (CJK,
Cyrillic, Greek...) is set in a subset of an installed TrueType font that has
it (see :mod:`.fonts`), embedded with a ``ToUnicode`` map so that it can be
searched and copied; a character no installed font has is left out, and
:func:`undrawable` names it.  Linked steps carry URI link
annotations.  The bytes depend on the diagram (and the installed fonts) alone:
no dates, no random ids.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from dataclasses import replace
from urllib.parse import quote

from ..wsd.model import Diagram, SourceRef
from .fonts import Font, font_for, helvetica_has
from .layout import Layout, Path, Rect, Shape, Text, layout
from .paginate import paginate
from .svg import Linker, safe_url, tooltip
from .text import text_width
from .theme import DEFAULT_STYLE, Style, style_named

_KAPPA = 0.5523  # Bézier handle length of a quarter circle, per radius
_HALO_WIDTH = 3
#: The largest page side many readers (and TeX, at 16,383 pt) accept; larger
#: drawings are scaled down to it.
_MAX_PAGE = 14400.0
_STANDARD_FONTS = (
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
    b" /Encoding /WinAnsiEncoding >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold"
    b" /Encoding /WinAnsiEncoding >>",
)


def render_pdf(
    diagram: Diagram,
    *,
    link: Linker | None = None,
    title: str | None = None,
    max_width: float | None = None,
    style: str = DEFAULT_STYLE,
) -> bytes:
    """``diagram`` as a PDF document, one page per ``newpage`` part.

    ``link`` maps a step's source reference to a URL (or ``None``: no link);
    ``title`` is the document title, by default the diagram's own;
    ``max_width`` is the width budget in pt, e.g. LaTeX's text width (see
    :func:`.layout.layout`); ``style`` names the palette (see :mod:`.theme`;
    a PDF takes its light one).
    """
    pages = paginate(layout(diagram, max_width), diagram, math.inf)
    return pdf_document(pages, link=link, title=title or diagram.title, style=style)


def pdf_document(
    pages: list[Layout],
    *,
    link: Linker | None = None,
    title: str | None = None,
    style: str = DEFAULT_STYLE,
) -> bytes:
    """Laid-out pages (see :mod:`.paginate`) as one PDF document."""
    objects = _Objects()
    catalog = objects.add(b"<< /Type /Catalog /Pages 2 0 R >>")
    tree = objects.add()
    fonts = _Fonts(objects)
    kids = []
    for drawn in pages:
        page, stream = objects.add(), objects.add()
        scale = min(1.0, _MAX_PAGE / max(drawn.width, drawn.height, 1.0))
        content = _Content(drawn.height, scale, fonts, style_named(style)).draw(drawn)
        annotations = [objects.add(a) for a in _links(drawn, link, scale)]
        size = f"{_num(drawn.width * scale)} {_num(drawn.height * scale)}"
        objects.set(
            page,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s]" % (tree, size.encode())
            + b" /Resources << /Font << "
            + fonts.resources()
            + b" >> >> /Contents %d 0 R" % stream
            + (b" /Annots [" + _refs(annotations) + b"]" if annotations else b"")
            + b" >>",
        )
        objects.set(stream, _stream(content))
        kids.append(page)
    objects.set(
        tree, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (_refs(kids), len(kids))
    )
    fonts.write()
    info = b"<< /Producer (sphinxcontrib-oswsd)"
    if title:
        info += b" /Title " + _text_string(title)
    info += b" >>"
    return objects.write(catalog, objects.add(info))


def undrawable(diagram: Diagram) -> list[tuple[int | None, str]]:
    """``(source line, message)`` for each line of ``diagram`` whose text has
    characters that no installed font can draw (the PDF leaves them out)."""
    missing: dict[int | None, str] = {}
    for element in layout(diagram).elements:
        for shape in element.shapes:
            if isinstance(shape, Text):
                for char in shape.text:
                    if _font(char) is None and char not in missing.get(
                        element.line, ""
                    ):
                        missing[element.line] = missing.get(element.line, "") + char
    return [
        (
            line,
            "no installed font can draw "
            + ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars)
            + ": left out of the PDF",
        )
        for line, chars in sorted(missing.items(), key=lambda kv: kv[0] or 0)
    ]


def _font(char: str) -> Font | bool | None:
    """``True`` for Helvetica (spaces included), ``False`` for a control
    character (nothing to draw), else the embedded font that has ``char``,
    or ``None`` when no installed font has it."""
    if helvetica_has(char) or char.isspace():
        return True
    if not char.isprintable():
        return False
    return font_for(char)


def _refs(numbers: list[int]) -> bytes:
    return b" ".join(b"%d 0 R" % n for n in numbers)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return (
        b"<< /Length %d /Filter /FlateDecode%s >>\nstream\n" % (len(packed), extra)
        + packed
        + b"\nendstream"
    )


class _Objects:
    """Numbered PDF objects, written with their cross-reference table."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def add(self, body: bytes = b"") -> int:
        """A new object (its body may be set later); its number."""
        self.bodies.append(body)
        return len(self.bodies)

    def set(self, number: int, body: bytes) -> None:
        self.bodies[number - 1] = body

    def write(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.bodies, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        count = len(self.bodies) + 1
        out += b"xref\n0 %d\n0000000000 65535 f \n" % count
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().upper()
        out += (
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
            % (
                count,
                root,
                info,
                digest.encode(),
                digest.encode(),
            )
        )
        out += b"startxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)


class _Fonts:
    """The fonts of a document: Helvetica and Helvetica-Bold, then each
    embedded font as it is first used, subset to the glyphs used."""

    def __init__(self, objects: _Objects) -> None:
        self.objects = objects
        self.standard = [objects.add(body) for body in _STANDARD_FONTS]
        self.embedded: dict[Font, tuple[str, int, dict[int, str]]] = {}

    def resources(self) -> bytes:
        names = [f"/F{i + 1} {n} 0 R" for i, n in enumerate(self.standard)]
        names += [f"{name} {n} 0 R" for name, n, _ in self.embedded.values()]
        return " ".join(names).encode()

    def use(self, font: Font, text: str) -> str:
        """The resource name of ``font``; ``text`` is remembered for the subset."""
        if font not in self.embedded:
            name = f"/F{len(self.standard) + len(self.embedded) + 1}"
            self.embedded[font] = (name, self.objects.add(), {})
        name, _, used = self.embedded[font]
        for char in text:
            used.setdefault(font.glyph(char), char)
        return name

    def write(self) -> None:
        for font, (_, number, used) in self.embedded.items():
            self.objects.set(number, self.type0(font, used))

    def type0(self, font: Font, used: dict[int, str]) -> bytes:
        glyphs = sorted(used)
        tag = "".join(
            chr(65 + b % 26) for b in hashlib.sha256(repr(glyphs).encode()).digest()[:6]
        )
        base = f"/{tag}+{font.postscript_name}".encode()
        data = font.subset(glyphs)
        file = self.objects.add(_stream(data, b" /Length1 %d" % len(data)))
        scale = 1000 / font.units_per_em
        x0, y0, x1, y1 = (round(v * scale) for v in font.bbox)
        descriptor = self.objects.add(
            b"<< /Type /FontDescriptor /FontName %s /Flags 4" % base
            + b" /FontBBox [%d %d %d %d] /ItalicAngle 0" % (x0, y0, x1, y1)
            + b" /Ascent %d /Descent %d"
            % (round(font.ascent * scale), round(font.descent * scale))
            + b" /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>"
            % (round(font.ascent * scale), file)
        )
        widths = b" ".join(
            b"%d [%d]" % (g, round(font.advance_units(g) * scale)) for g in glyphs
        )
        cid = self.objects.add(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont %s" % base
            + b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity)"
            + b" /Supplement 0 >> /FontDescriptor %d 0 R" % descriptor
            + b" /W ["
            + widths
            + b"] /CIDToGIDMap /Identity >>"
        )
        cmap = self.objects.add(_stream(_to_unicode(used)))
        return (
            b"<< /Type /Font /Subtype /Type0 /BaseFont %s" % base
            + b" /Encoding /Identity-H /DescendantFonts [%d 0 R]" % cid
            + b" /ToUnicode %d 0 R >>" % cmap
        )


def _to_unicode(used: dict[int, str]) -> bytes:
    """The CMap that maps each glyph id back to its character."""
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    pairs = sorted(used.items())
    for i in range(0, len(pairs), 100):
        chunk = pairs[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += (
            f"<{g:04X}> <{c.encode('utf-16-be').hex().upper()}>" for g, c in chunk
        )
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


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


def _runs(text: str) -> list[tuple[Font | bool | None, str]]:
    """``text`` cut where the font changes (see :func:`_font`)."""
    runs: list[tuple[Font | bool | None, str]] = []
    for char in text:
        font = _font(char)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


class _Content:
    """The page's content stream; PDF's y axis points up, the layout's down."""

    def __init__(
        self, height: float, scale: float, fonts: _Fonts, style: Style
    ) -> None:
        self.height = height
        self.style = style
        self.palette = style.light
        self.scale = scale
        self.fonts = fonts
        self.ops: list[str] = []

    def y(self, value: float) -> str:
        return _num(self.height - value)

    def draw(self, drawn: Layout) -> bytes:
        self.ops.append("1 J 1 j")  # round caps and joins
        if self.scale != 1:
            self.ops.append(f"{_num(self.scale)} 0 0 {_num(self.scale)} 0 0 cm")
        for element in drawn.elements:
            for shape in element.shapes:
                self.shape(shape)
        return "\n".join(self.ops).encode("latin-1")

    def shape(self, shape: Shape) -> None:
        if isinstance(shape, Text):
            self.text(shape)
            return
        paint = self.palette[shape.role]
        if not (paint.fill or paint.stroke):
            return
        if isinstance(shape, Rect) and shape.role == "head":
            shape = replace(shape, radius=self.style.corner)
        dashed = isinstance(shape, Path) and shape.dashed
        dashed = dashed and (self.style.dashed_lifelines or shape.role != "lifeline")
        ops = []
        if paint.fill:
            ops.append(f"{_colour(paint.fill)} rg")
        if paint.stroke:
            ops.append(f"{_colour(paint.stroke)} RG {_num(paint.width)} w")
        if dashed:
            ops.append("[6 4] 0 d")
        ops.append(self.outline(shape))
        closed = isinstance(shape, Rect) or shape.closed
        fill = paint.fill and closed
        ops.append("B" if fill and paint.stroke else "f" if fill else "S")
        if dashed:
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
        """One line, in runs of Helvetica and of embedded fonts; an embedded
        font is emboldened by stroking its outlines (it has no bold face)."""
        x = text.x
        shows = []
        for font, run in _runs(text.text):
            start, x = x, x + text_width(run, text.size, text.bold)
            if font is None or font is False:
                continue  # nothing can draw it: its room stays empty
            if font is True:
                name = "/F2" if text.bold else "/F1"
                plain = "".join(" " if c.isspace() else c for c in run)
                string = _literal(plain.encode("cp1252")).decode("ascii")
                mode = "0 Tr"
            else:
                name = self.fonts.use(font, run)
                string = "<" + "".join(f"{font.glyph(c):04X}" for c in run) + ">"
                mode = f"{_num(text.size / 30)} w 2 Tr" if text.bold else "0 Tr"
            place = f"{name} {_num(text.size)} Tf 1 0 0 1 {_num(start)} "
            shows.append((mode, place + f"{self.y(text.y)} Tm {string} Tj"))
        if not shows:
            return
        if text.halo and self.palette[text.halo].fill:
            halo = _colour(self.palette[text.halo].fill)
            runs = " ".join(show for _, show in shows)
            self.ops.append(f"q {halo} RG {_HALO_WIDTH} w BT 1 Tr {runs} ET Q")
        fill = _colour(self.palette[text.role].fill or "#000000")
        runs = " ".join(f"{mode} {show}" for mode, show in shows)
        self.ops.append(f"q {fill} rg {fill} RG BT {runs} ET Q")


def _links(drawn: Layout, link: Linker | None, scale: float) -> list[bytes]:
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
        corners = (x0 - 2, drawn.height - y1 - 2, x1 + 2, drawn.height - y0 + 2)
        box = " ".join(_num(v * scale) for v in corners)
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

"""Just enough of TrueType to measure text and embed a subset in a PDF.

Reads the character map (formats 4 and 12), the advance widths and the
vertical metrics of a ``glyf``-outline font (a ``.ttf``, or one face of a
``.ttc``), and writes a subset that keeps the glyph ids (so a PDF can use
them as CIDs directly) but holds the outlines of the used glyphs only, and
of the components they are built from.  CFF-outline fonts (most ``.otf``)
are refused: they would need a CFF subsetter.
"""

from __future__ import annotations

import struct
from functools import cached_property
from pathlib import Path

#: The tables a PDF's embedded TrueType program needs (PDF 1.7, 9.9).
_KEPT = (b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp")
_KEPT += (b"prep",)
# Composite glyph flags: which argument sizes and transforms follow.
_ARG_WORDS, _HAVE_SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO = 1, 8, 32, 64, 128


class FontError(ValueError):
    """Not a TrueType font this module can read."""


class TrueType:
    """One face of a TrueType font file."""

    def __init__(self, path: str | Path, index: int = 0) -> None:
        self.path = Path(path)
        data = self.path.read_bytes()
        offset = 0
        if data[:4] == b"ttcf":
            (count,) = struct.unpack_from(">I", data, 8)
            if index >= count:
                raise FontError(f"{path}: no face {index}")
            (offset,) = struct.unpack_from(">I", data, 12 + 4 * index)
        version, tables = struct.unpack_from(">IH", data, offset)
        if version not in (0x00010000, 0x74727565):
            raise FontError(f"{path}: not a TrueType-outline font")
        self.data = data
        self.tables: dict[bytes, tuple[int, int]] = {}
        for i in range(tables):
            tag, _, start, length = struct.unpack_from(
                ">4sIII", data, offset + 12 + 16 * i
            )
            self.tables[tag] = (start, length)
        if not {b"glyf", b"loca", b"cmap", b"hmtx", b"head"} <= self.tables.keys():
            raise FontError(f"{path}: not a TrueType-outline font")
        head = self.table(b"head")
        self.units_per_em = struct.unpack_from(">H", head, 18)[0]
        self.bbox = struct.unpack_from(">hhhh", head, 36)
        self.long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        hhea = self.table(b"hhea")
        self.ascent, self.descent = struct.unpack_from(">hh", hhea, 4)
        self.metrics_count = struct.unpack_from(">H", hhea, 34)[0]
        self.glyph_count = struct.unpack_from(">H", self.table(b"maxp"), 4)[0]
        os2 = self.table(b"OS/2")
        # fsType bit 1: restricted licence, the font must not be embedded.
        self.embeddable = len(os2) < 10 or not struct.unpack_from(">H", os2, 8)[0] & 2

    def table(self, tag: bytes) -> bytes:
        start, length = self.tables.get(tag, (0, 0))
        return self.data[start : start + length]

    @cached_property
    def postscript_name(self) -> str:
        """The font's PostScript name (name id 6), or its file name."""
        name = self.table(b"name")
        if len(name) >= 6:
            count, strings = struct.unpack_from(">HH", name, 2)
            for i in range(count):
                platform, _, _, name_id, length, offset = struct.unpack_from(
                    ">6H", name, 6 + 12 * i
                )
                if name_id == 6:
                    raw = name[strings + offset : strings + offset + length]
                    text = raw.decode("utf-16-be" if platform in (0, 3) else "latin-1")
                    clean = "".join(c for c in text if c.isalnum() or c in "-_")
                    if clean:
                        return clean
        return "".join(c for c in self.path.stem if c.isalnum() or c in "-_")

    @cached_property
    def cmap(self) -> dict[int, int]:
        """Code point -> glyph id, from the best Unicode subtable."""
        cmap = self.table(b"cmap")
        (count,) = struct.unpack_from(">H", cmap, 2)
        best: tuple[int, int] | None = None
        for i in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
            fmt = struct.unpack_from(">H", cmap, offset)[0]
            unicode = platform == 0 or (platform == 3 and encoding in (1, 10))
            if unicode and fmt in (4, 12):
                rank = 2 if fmt == 12 else 1
                if best is None or rank > best[0]:
                    best = (rank, offset)
        if best is None:
            raise FontError(f"{self.path}: no Unicode character map")
        offset = best[1]
        if best[0] == 2:
            return _format12(cmap, offset)
        return _format4(cmap, offset)

    def glyph(self, char: str) -> int:
        """The glyph id of ``char``; 0 (the missing glyph) if there is none."""
        return self.cmap.get(ord(char), 0)

    def has(self, char: str) -> bool:
        return ord(char) in self.cmap

    def advance_units(self, glyph: int) -> int:
        """The advance width of ``glyph``, in font units."""
        index = min(glyph, self.metrics_count - 1)
        return struct.unpack_from(">H", self.table(b"hmtx"), 4 * index)[0]

    def advance(self, char: str) -> float:
        """The advance width of ``char``, in 1/1000 em."""
        return self.advance_units(self.glyph(char)) * 1000 / self.units_per_em

    def _offsets(self) -> list[int]:
        loca = self.table(b"loca")
        n = self.glyph_count + 1
        if self.long_loca:
            return list(struct.unpack_from(f">{n}I", loca))
        return [2 * v for v in struct.unpack_from(f">{n}H", loca)]

    def subset(self, glyphs: list[int]) -> bytes:
        """A font program with the outlines of ``glyphs`` (and glyph 0, and
        the components of composite glyphs) only; glyph ids are unchanged."""
        offsets = self._offsets()
        glyf = self.table(b"glyf")
        keep: set[int] = set()
        todo = [0, *glyphs]
        while todo:
            glyph = todo.pop()
            if glyph in keep or not 0 <= glyph < self.glyph_count:
                continue
            keep.add(glyph)
            todo += _components(glyf[offsets[glyph] : offsets[glyph + 1]])
        new_glyf = bytearray()
        new_loca = []
        for glyph in range(self.glyph_count):
            new_loca.append(len(new_glyf))
            if glyph in keep:
                new_glyf += glyf[offsets[glyph] : offsets[glyph + 1]]
                new_glyf += b"\0" * (-len(new_glyf) % 4)
        new_loca.append(len(new_glyf))
        hmtx = bytearray(self.table(b"hmtx"))
        # The last advance also serves every glyph after it: kept.
        for glyph in range(min(self.metrics_count, self.glyph_count) - 1):
            if glyph not in keep:  # zeros compress to nothing
                hmtx[4 * glyph : 4 * glyph + 4] = b"\0\0\0\0"
        head = bytearray(self.table(b"head"))
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment, set below
        head[50:52] = struct.pack(">h", 1)  # long loca offsets
        tables = {
            b"glyf": bytes(new_glyf),
            b"loca": struct.pack(f">{len(new_loca)}I", *new_loca),
            b"hmtx": bytes(hmtx),
            b"head": bytes(head),
        }
        for tag in _KEPT:
            if tag not in tables and tag in self.tables:
                tables[tag] = self.table(tag)
        return _assemble(tables)


def _format4(cmap: bytes, offset: int) -> dict[int, int]:
    (segments,) = struct.unpack_from(">H", cmap, offset + 6)
    segments //= 2
    ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
    starts_at = offset + 16 + 2 * segments
    starts = struct.unpack_from(f">{segments}H", cmap, starts_at)
    deltas = struct.unpack_from(f">{segments}h", cmap, starts_at + 2 * segments)
    ranges_at = starts_at + 4 * segments
    ranges = struct.unpack_from(f">{segments}H", cmap, ranges_at)
    result: dict[int, int] = {}
    for i in range(segments):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                break
            if ranges[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                at = ranges_at + 2 * i + ranges[i] + 2 * (code - starts[i])
                glyph = struct.unpack_from(">H", cmap, at)[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                result[code] = glyph
    return result


def _format12(cmap: bytes, offset: int) -> dict[int, int]:
    (groups,) = struct.unpack_from(">I", cmap, offset + 12)
    result: dict[int, int] = {}
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", cmap, offset + 16 + 12 * i)
        for code in range(start, end + 1):
            result[code] = glyph + code - start
    return result


def _components(glyph: bytes) -> list[int]:
    """The glyph ids a composite glyph is built from."""
    if len(glyph) < 10 or struct.unpack_from(">h", glyph, 0)[0] >= 0:
        return []
    found, at = [], 10
    while at + 4 <= len(glyph):
        flags, component = struct.unpack_from(">HH", glyph, at)
        found.append(component)
        at += 4 + (4 if flags & _ARG_WORDS else 2)
        at += 2 if flags & _HAVE_SCALE else 4 if flags & _XY_SCALE else 0
        at += 8 if flags & _TWO_BY_TWO else 0
        if not flags & _MORE:
            break
    return found


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _assemble(tables: dict[bytes, bytes]) -> bytes:
    """An sfnt file of ``tables``, with its directory and checksums."""
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(
        ">IHHHH",
        0x00010000,
        count,
        power * 16,
        power.bit_length() - 1,
        count * 16 - power * 16,
    )
    offset = 12 + 16 * count
    directory, body = bytearray(), bytearray()
    for tag in tags:
        data = tables[tag]
        directory += struct.pack(
            ">4sIII", tag, _checksum(data), offset + len(body), len(data)
        )
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    head_at = (
        12
        + 16 * count
        + sum(
            len(tables[t]) + (-len(tables[t]) % 4) for t in tags[: tags.index(b"head")]
        )
    )
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_at + 8 : head_at + 12] = struct.pack(">I", adjustment)
    return bytes(font)

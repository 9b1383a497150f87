"""Installed fonts for the characters Helvetica has not got.

The PDF writer sets Windows-1252 text in the standard Helvetica, which it
need not embed.  For every other character (CJK, Cyrillic, Greek, arrows...)
it embeds a subset of an installed TrueType font that has it, and the
layout measures that character with the same font's widths.  Fonts are
found through fontconfig (``fc-match``, ``fc-list``), as TeX and every Linux
desktop find them; the families below are tried first, in this order, for
their likeness to Helvetica and their coverage, then any font fontconfig
says has the character.  Only TrueType-outline fonts are used (a subset of
one is simple and exact to write) and none whose licence forbids embedding.
"""

from __future__ import annotations

import struct
import subprocess
from functools import lru_cache

from .truetype import FontError, TrueType

Font = TrueType

#: Tried first: metric twins of Helvetica, then wide Unicode coverage, then
#: CJK fonts with TrueType outlines (Debian: fonts-liberation,
#: fonts-dejavu-core, fonts-droid-fallback, fonts-wqy-zenhei).
PREFERRED = (
    "Liberation Sans",
    "DejaVu Sans",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)
_WINANSI = frozenset(
    bytes(range(0x20, 0x7F)).decode("cp1252")
    + bytes(range(0xA0, 0x100)).decode("cp1252")
    + "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
)


def helvetica_has(char: str) -> bool:
    """Whether the standard Helvetica (WinAnsi encoding) shows ``char``."""
    return char in _WINANSI


@lru_cache(maxsize=8192)
def font_for(char: str) -> Font | None:
    """The installed font to draw ``char`` with, or ``None``."""
    for font in _preferred():
        if font.has(char):
            return font
    query = f":charset={ord(char):x}"
    for path, index in sorted(_fontconfig("fc-list", query, "%{file}\t%{index}\n")):
        font = _open(path, index)
        if font is not None and font.has(char):
            return font
    return None


@lru_cache(maxsize=1)
def _preferred() -> tuple[Font, ...]:
    fonts: list[Font] = []
    for family in PREFERRED:
        for path, index in _fontconfig("fc-match", family, "%{file}\t%{index}\n"):
            font = _open(path, index)
            if font is not None and font not in fonts:
                fonts.append(font)
    return tuple(fonts)


def _fontconfig(command: str, pattern: str, fmt: str) -> list[tuple[str, int]]:
    """``(file, face index)`` pairs that fontconfig lists; none without it."""
    try:
        out = subprocess.run(
            [command, "-f", fmt, pattern],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        path, _, index = line.partition("\t")
        if path:
            found.append((path, int(index) if index.isdigit() else 0))
    return found


@lru_cache(maxsize=64)
def _open(path: str, index: int) -> Font | None:
    try:
        font = TrueType(path, index)
        font.cmap  # noqa: B018 - read now, so a broken map fails here
    except (OSError, FontError, ValueError, IndexError, struct.error):
        return None
    return font if font.embeddable else None

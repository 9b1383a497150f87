"""Text measurement: Helvetica advance widths, and the installed fonts'.

The offline renderer must size boxes before anything is drawn, and the PDF
writer uses the standard Helvetica Type 1 fonts, whose advance widths are
published in Adobe's AFM files (Arial shares them).  Widths are in units of
1/1000 em.  Other characters are measured with the installed font the PDF
writer will draw them with (:mod:`.fonts`); with none, conservatively: East
Asian wide characters at one em, others at a wide Latin average.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from .fonts import font_for

#: Font size of ordinary labels, in px (one px is one PDF point).
FONT_SIZE = 13.0
#: Distance between the baselines of two lines, as a multiple of the size.
LINE_SPACING = 1.25
#: Extent of the glyphs above and below the baseline, in em (accented
#: capitals reach about 0.9 em).
ASCENT = 0.9
DESCENT = 0.22

_UNKNOWN = 600
_WIDE = 1000

# Printable ASCII, space (0x20) to tilde (0x7E), regular then bold.
_ASCII_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_ASCII_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip
# Latin-1 supplement, no-break space (0xA0) to y diaeresis (0xFF), regular.
_LATIN1_REGULAR = (
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
)  # fmt: skip
# The other characters of Windows code page 1252 (the PDF WinAnsiEncoding).
_WINANSI_EXTRA_REGULAR = {
    "€": 556, "‚": 222, "ƒ": 556, "„": 333, "…": 1000, "†": 556, "‡": 556,
    "ˆ": 333, "‰": 1000, "Š": 667, "‹": 333, "Œ": 1000, "Ž": 611, "‘": 222,
    "’": 222, "“": 333, "”": 333, "•": 350, "–": 556, "—": 1000, "˜": 333,
    "™": 1000, "š": 500, "›": 333, "œ": 944, "ž": 500, "Ÿ": 667,
}  # fmt: skip

_REGULAR: dict[str, int] = {
    **{chr(0x20 + i): w for i, w in enumerate(_ASCII_REGULAR)},
    **{chr(0xA0 + i): w for i, w in enumerate(_LATIN1_REGULAR)},
    **_WINANSI_EXTRA_REGULAR,
}
_BOLD: dict[str, int] = {chr(0x20 + i): w for i, w in enumerate(_ASCII_BOLD)}
# Bold glyphs outside ASCII are not tabled: they are at most this much wider
# than their regular forms.
_BOLD_FACTOR = 1.1


@lru_cache(maxsize=4096)
def advance(char: str, bold: bool = False) -> float:
    """The advance width of one character, in 1/1000 em."""
    if bold and char in _BOLD:
        return _BOLD[char]
    if char in _REGULAR:
        return _REGULAR[char] * (_BOLD_FACTOR if bold else 1)
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cc", "Cf"):
        return 0
    font = font_for(char)
    if font is not None:
        return font.advance(char)
    if _is_wide(char):
        return _WIDE
    return _UNKNOWN


@lru_cache(maxsize=65536)
def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of one line of ``text`` at ``size``, in px."""
    return sum(advance(char, bold) for char in text) * size / 1000


def line_height(size: float = FONT_SIZE) -> float:
    """The distance between two baselines at ``size``."""
    return round(size * LINE_SPACING)


def block_width(lines: list[str], size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of the widest line."""
    return max((text_width(line, size, bold) for line in lines), default=0.0)


def split_lines(text: str) -> list[str]:
    """``text`` cut at its line breaks; no lines for empty text."""
    return [line.strip() for line in text.split("\n")] if text.strip() else []


def wrap(
    text: str, max_width: float, size: float = FONT_SIZE, bold: bool = False
) -> list[str]:
    """``text`` broken at its line breaks, then between words so that no line
    is wider than ``max_width``.  Each paragraph takes as few lines as greedy
    filling needs, made as even as they can be, and a last line of one word
    takes a second one from the line above: a label wrapped to fit reads as
    a block, not a line and a stray word.  A word too wide for a line of its
    own (a long dotted name, a URL path, a run of CJK text) is broken after
    one of ``./_-:,/`` or next to a wide character, and only as a last resort
    between any two characters."""
    lines: list[str] = []
    for paragraph in split_lines(text):
        lines += _balanced(paragraph.split(), max_width, size, bold)
    return lines


def _balanced(words: list[str], max_width: float, size: float, bold: bool) -> list[str]:
    """The fewest greedy lines of ``words``, at the narrowest width that
    still needs no more of them and breaks no word that ``max_width`` keeps
    whole."""

    def width(line: str) -> float:
        return text_width(line, size, bold)

    lines = _greedy(words, max_width, width)
    if len(lines) < 2:
        return lines
    units = (_units(word, lambda t: width(t) <= max_width) for word in words)
    low = max(width(unit) for word in units for unit in word)
    high = max(map(width, lines))
    for _ in range(12):  # a 1/4096 of the width is precise enough
        middle = (low + high) / 2
        if len(_greedy(words, middle, width)) > len(lines):
            low = middle
        else:
            high = middle
    lines = _greedy(words, high, width)
    *head, before, last = lines
    if " " not in last and " " in before:
        moved, _, kept = before.rpartition(" ")
        if width(f"{kept} {last}") <= max_width:
            lines = [*head, moved, f"{kept} {last}"]
    return lines


def _greedy(words: list[str], max_width: float, width) -> list[str]:
    """``words`` filled into lines no wider than ``max_width``, line by line;
    a word too wide for a line, if it breaks at its punctuation, starts on
    the current one."""

    def fits(candidate: str) -> bool:
        return width(candidate) <= max_width

    lines: list[str] = []
    line = ""
    for word in words:
        if line and fits(f"{line} {word}"):
            line = f"{line} {word}"
            continue
        units = _units(word, fits)
        whole = len(units) == 1 or not all(map(fits, _pieces(word)))
        if line and (whole or not fits(f"{line} {units[0]}")):
            lines.append(line)
            line = ""
        elif line:
            line += " "
        for unit in units:
            if line.strip() and not fits(line + unit):
                lines.append(line)
                line = ""
            line += unit
    lines.append(line)
    return lines


def _units(word: str, fits) -> list[str]:
    """What ``word`` may be broken into: itself if it fits a line, else its
    pieces, each broken into characters if it does not fit either."""
    if fits(word):
        return [word]
    return [unit for piece in _pieces(word) for unit in _or_chars(piece, fits)]


_BREAK_AFTER = frozenset("./_-:,/")


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _pieces(word: str) -> list[str]:
    """``word`` cut at its break opportunities."""
    pieces = [""]
    for char in word:
        if _is_wide(char) and pieces[-1]:
            pieces.append("")
        pieces[-1] += char
        if char in _BREAK_AFTER or _is_wide(char):
            pieces.append("")
    return [piece for piece in pieces if piece]


def _or_chars(piece: str, fits) -> list[str]:
    """``piece`` whole if it fits a line, else its characters."""
    return [piece] if fits(piece) else list(piece)

"""The colours of the offline renderer, in the spirit of WSD's "modern-blue".

The layout names the role of every shape (``head``, ``note``, ...); both
writers paint a role the same way from this one table.  The SVG writer also
turns it into CSS, one custom property per colour, so a page can restyle a
diagram, and a dark variant for ``prefers-color-scheme: dark``.  Each
palette paints its own background, so a diagram stays readable when the
reader's colour scheme and the page's disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Helvetica and its metric twins first (the layout measures with its
#: widths), then fonts for the scripts it has not got (Cyrillic, Greek, CJK)
#: on Linux, macOS and Windows, so a browser need not guess.
FONT_FAMILY = (
    'Helvetica, Arial, "Liberation Sans", "Nimbus Sans", "DejaVu Sans",'
    ' "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans",'
    ' "Microsoft YaHei", "Droid Sans Fallback", "WenQuanYi Zen Hei", sans-serif'
)


@dataclass(frozen=True)
class Paint:
    """How a role is painted: colours are ``#rrggbb`` or ``None`` (none)."""

    fill: str | None = None
    stroke: str | None = None
    width: float = 1.0


LIGHT: dict[str, Paint] = {
    "background": Paint(fill="#ffffff"),
    "title": Paint(fill="#1b2a3a"),
    "head": Paint(fill="#3f78b5", stroke="#244d7a", width=1.2),
    "head-text": Paint(fill="#ffffff"),
    "actor": Paint(fill="#dce8f5", stroke="#244d7a", width=1.5),
    "lifeline": Paint(stroke="#8797ab"),
    "activation": Paint(fill="#dce8f5", stroke="#244d7a"),
    "message": Paint(stroke="#1b2a3a", width=1.2),
    "arrowhead": Paint(fill="#1b2a3a", stroke="#1b2a3a", width=1.2),
    "arrowhead-open": Paint(stroke="#1b2a3a", width=1.2),
    "text": Paint(fill="#1b2a3a"),
    "note": Paint(fill="#fff7c2", stroke="#c2a93e"),
    "note-fold": Paint(fill="#efe09a", stroke="#c2a93e"),
    "state": Paint(fill="#e6f0fa", stroke="#3f78b5"),
    "ref": Paint(fill="#f3f5f8", stroke="#54657a"),
    "ref-tab": Paint(fill="#dde3ea", stroke="#54657a"),
    "group": Paint(stroke="#54657a"),
    "group-tab": Paint(fill="#dde6f0", stroke="#54657a"),
    "group-text": Paint(fill="#2b3d52"),
    "separator": Paint(stroke="#54657a"),
    "destroy": Paint(stroke="#b3261e", width=2.0),
}

DARK: dict[str, Paint] = {
    "background": Paint(fill="#161d26"),
    "title": Paint(fill="#e3eaf2"),
    "head": Paint(fill="#2f5f94", stroke="#8db4e0", width=1.2),
    "head-text": Paint(fill="#ffffff"),
    "actor": Paint(fill="#22364d", stroke="#8db4e0", width=1.5),
    "lifeline": Paint(stroke="#6d7f95"),
    "activation": Paint(fill="#22364d", stroke="#8db4e0"),
    "message": Paint(stroke="#d5dee8", width=1.2),
    "arrowhead": Paint(fill="#d5dee8", stroke="#d5dee8", width=1.2),
    "arrowhead-open": Paint(stroke="#d5dee8", width=1.2),
    "text": Paint(fill="#e3eaf2"),
    "note": Paint(fill="#4a4420", stroke="#b59f45"),
    "note-fold": Paint(fill="#5e5629", stroke="#b59f45"),
    "state": Paint(fill="#1f3650", stroke="#8db4e0"),
    "ref": Paint(fill="#26303c", stroke="#a3b3c5"),
    "ref-tab": Paint(fill="#33404f", stroke="#a3b3c5"),
    "group": Paint(stroke="#a3b3c5"),
    "group-tab": Paint(fill="#2c3a4a", stroke="#a3b3c5"),
    "group-text": Paint(fill="#cbd6e2"),
    "separator": Paint(stroke="#a3b3c5"),
    "destroy": Paint(stroke="#ff6b5e", width=2.0),
}

"""A :class:`Diagram` as WSD text that parses back to the same diagram.

``oswsd convert`` writes seqdiag sources this way, so a project can move them
into a WSD workflow library. Participants get a plain alias (``web_server``)
when their name is not one the WSD grammar reads back safely.
"""

from __future__ import annotations

import re

from sphinxcontrib_oswsd.wsd.model import (
    Activation,
    Diagram,
    Group,
    Item,
    Message,
    Note,
    PageBreak,
    Parallel,
    SourceRef,
)

__all__ = ["to_wsd"]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Words that start a WSD statement: an alias must not be one.
_KEYWORDS = frozenset({
    "title", "participant", "actor", "note", "state", "ref", "alt", "opt",
    "loop", "par", "seq", "else", "end", "activate", "deactivate", "destroy",
    "autonumber", "option", "parallel", "include", "newpage",
})  # fmt: skip


def _text(text: str) -> str:
    """One line: line breaks written as the two characters ``\\n``."""
    return "\\n".join(line.strip() for line in text.split("\n"))


def _reference(ref: SourceRef) -> str:
    """The comment that gives ``ref`` back: ``# path.py Qualname()``."""
    if ref.qualname is None:
        return f"# {ref.path}"
    if ref.path is None:
        return f"# {ref.qualname}()"
    return f"# {ref.path} {ref.qualname}()"


def _aliases(diagram: Diagram) -> dict[str, str]:
    aliases: dict[str, str] = {}
    taken: set[str] = set()
    for participant in diagram.participants:
        name = participant.name
        if not _PLAIN.fullmatch(name) or name.lower() in _KEYWORDS:
            name = re.sub(r"\W+", "_", name, flags=re.ASCII).strip("_") or "p"
            name = name if _PLAIN.fullmatch(name) else f"p_{name}"
        alias, n = name, 1
        while alias in taken or alias.lower() in _KEYWORDS:
            n += 1
            alias = f"{name}_{n}"
        taken.add(alias)
        aliases[participant.name] = alias
    return aliases


class _Writer:
    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self.alias = _aliases(diagram)
        self.lines: list[str] = []
        self.ref: SourceRef | None = None
        self.number: int | None = None  # the next number autonumber gives

    def write(self) -> str:
        diagram = self.diagram
        if diagram.title:
            self.lines.append(f"title {_text(diagram.title)}")
        for key, value in diagram.options.items():
            self.lines.append(f"option {key}={value}")
        for p in diagram.participants:
            keyword = "actor" if p.kind == "actor" else "participant"
            if p.kind not in ("actor", "participant"):
                keyword += f":{p.kind}"
            label = _text(p.label) or p.name
            self.lines.append(f'{keyword} "{label}" as {self.alias[p.name]}')
        self.items(diagram.items, "")
        return "\n".join(self.lines) + "\n"

    def items(self, items: list[Item], indent: str) -> None:
        for item in items:
            self.item(item, indent)

    def item(self, item: Item, indent: str) -> None:
        out = self.lines
        if isinstance(item, (Message, Note)) and item.ref and item.ref != self.ref:
            self.ref = item.ref
            out.append(indent + _reference(item.ref))
        if isinstance(item, Message):
            self.message(item, indent)
        elif isinstance(item, Note):
            self.note(item, indent)
        elif isinstance(item, Activation):
            out.append(f"{indent}{item.action} {self.alias[item.participant]}")
        elif isinstance(item, Group):
            for index, section in enumerate(item.sections):
                keyword = item.keyword if index == 0 else "else"
                out.append(f"{indent}{keyword} {_text(section.label)}".rstrip())
                self.items(section.items, indent + "  ")
            out.append(f"{indent}end")
        elif isinstance(item, Parallel):
            out.append(f"{indent}parallel {{")
            self.items(item.items, indent + "  ")
            out.append(f"{indent}}}")
        elif isinstance(item, PageBreak):
            out.append(f"{indent}newpage {_text(item.title or '')}".rstrip())

    def message(self, message: Message, indent: str) -> None:
        if message.number != self.number:
            if message.number is None:
                self.lines.append(f"{indent}autonumber off")
            else:
                self.lines.append(f"{indent}autonumber {message.number}")
        self.number = None if message.number is None else message.number + 1
        flags = "+" * message.activate + "-" * message.deactivate + "*" * message.create
        source, target = self.alias[message.source], self.alias[message.target]
        line = f"{indent}{source}{message.arrow}{flags}{target}"
        self.lines.append(f"{line}: {_text(message.text)}" if message.text else line)

    def note(self, note: Note, indent: str) -> None:
        where = "over" if note.position == "over" else f"{note.position} of"
        names = ",".join(self.alias[n] for n in note.participants)
        head = f"{indent}{note.shape} {where} {names}"
        if not note.block:
            self.lines.append(f"{head}: {_text(note.text)}")
            return
        self.lines.append(head)
        self.lines += [f"{indent}  {line}" for line in note.text.split("\n")]
        self.lines.append(f"{indent}end {note.shape}")


def to_wsd(diagram: Diagram) -> str:
    """``diagram`` in the WSD language."""
    return _Writer(diagram).write()

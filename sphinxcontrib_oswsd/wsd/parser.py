"""Text in the WebSequenceDiagrams language to a :class:`Diagram`.

One pass over the lines, one regular expression per statement, so the time is
linear in the size of the input. Problems the real corpus tolerates (an
unclosed group, a stray ``deactivate``) become :class:`WSDWarning` entries on
the diagram; anything else raises :class:`WSDSyntaxError` naming the 1-based
line, worded like the service's own errors (``Line 3: Syntax error.``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sphinxcontrib_oswsd.wsd.model import (
    Activation,
    Arrow,
    Diagram,
    Group,
    GroupSection,
    Item,
    Message,
    Note,
    PageBreak,
    Parallel,
    Participant,
    SourceRef,
    WSDWarning,
)

__all__ = ["WSDSyntaxError", "parse", "parse_reference"]

GROUP_KEYWORDS = frozenset({"alt", "opt", "loop", "par", "seq"})
#: Groups whose ``else`` is part of the language; elsewhere it is tolerated.
ELSE_GROUPS = frozenset({"alt", "par"})
PARTICIPANT_KINDS = frozenset(
    {"participant", "actor", "database", "collections", "cloud", "queue"}
)
FOOTERS = frozenset({"none", "bar", "box"})
#: How deep groups and ``parallel`` blocks may nest: far beyond any real
#: diagram, and shallow enough for the renderers' recursion.
MAX_DEPTH = 100
#: The largest ``autonumber`` start: nine digits.
MAX_AUTONUMBER = 999_999_999

_PARTICIPANT = re.compile(
    r"(?i)(?P<keyword>participant(?::(?P<kind>\w+))?|actor)(?:\s+(?P<rest>.*))?$"
)
_NOTE = re.compile(
    r"(?i)(?P<shape>note|state|ref)\s+(?P<position>over|left\s+of|right\s+of)\s+"
    r"(?P<rest>.*)$"
)
_GROUP = re.compile(r"(?i)(?P<keyword>alt|opt|loop|par|seq)(?:\s+(?P<label>.*))?$")
_ELSE = re.compile(r"(?i)else(?:\s+(?P<label>.*))?$")
_END = re.compile(r"(?i)end(?:\s+(?P<what>\S.*))?$")
_ACTIVATION = re.compile(r"(?i)(?P<action>activate|deactivate|destroy)\s+(?P<name>.+)$")
_NEWPAGE = re.compile(r"(?i)newpage(?:\s+(?P<title>.*))?$")
_AUTONUMBER = re.compile(r"(?i)autonumber(?:\s+(?P<arg>\S+))?$")
_NUMBER = re.compile(r"[0-9]{1,9}")
_OPTION = re.compile(r"(?i)option\s+(?P<key>[\w-]+)\s*=\s*(?P<value>\S+)$")
_TITLE = re.compile(r"(?i)title(?:\s+(?P<text>.*))?$")
_PARALLEL = re.compile(r"(?i)parallel\s*\{$")
_INCLUDE = re.compile(r"(?i)include\b")
_ARROW = re.compile(r"<?--?>>?")
_MODIFIERS = re.compile(r"[+\-*]*")

_PATH = r"[A-Za-z_][\w.-]*(?:/[\w.-]+)+\.py"
_QUALNAME = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_CANONICAL_REF = re.compile(rf"# (?P<path>{_PATH}) (?P<qualname>{_QUALNAME})\(\)")
_LOOSE_REF = re.compile(
    rf"#+\s*(?P<path>{_PATH})(?:\s+(?P<qualname>{_QUALNAME})(?:\(\))?)?\s*"
)
_FUNCTION_REF = re.compile(rf"#+\s*(?P<qualname>{_QUALNAME})\(\)\s*")


class WSDSyntaxError(Exception):
    """A line the language does not allow; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"Line {line}: {message}")
        self.line = line
        self.message = message


def text_of(raw: str) -> str:
    """Turn the two characters ``\\n`` into a line break, eating the spaces
    and tabs people put around it (split and strip: a regular expression
    would rescan a long run of blanks from each of its positions)."""
    return "\n".join(part.strip(" \t") for part in raw.strip().split("\\n"))


def parse_reference(
    comment: str, line: int, current: SourceRef | None
) -> SourceRef | None:
    """Read a source reference out of a comment line (leading blanks already
    removed), or ``None`` for an ordinary comment. A function-only comment
    takes the file of ``current``; trailing blanks make a reference tolerated
    rather than canonical."""
    if match := _CANONICAL_REF.fullmatch(comment):
        return SourceRef(match["path"], match["qualname"], line, canonical=True)
    if match := _LOOSE_REF.fullmatch(comment):
        return SourceRef(match["path"], match["qualname"], line, canonical=False)
    if match := _FUNCTION_REF.fullmatch(comment):
        path = current.path if current else None
        return SourceRef(path, match["qualname"], line, canonical=False)
    return None


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1]
    return name


def _split_header(line: str) -> tuple[str, str | None]:
    """Split at the first colon outside double quotes."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index], line[index + 1 :]
    return line, None


def _find_arrow(header: str) -> re.Match[str] | None:
    """The first arrow outside quotes; two-headed arrows take a single ``>``.

    Arrows and quoted spans both come in order, so one pass over each
    tells which arrows are quoted."""
    quoted = re.finditer(r'"[^"]*"', header)
    span = next(quoted, None)
    for match in _ARROW.finditer(header):
        while span is not None and span.end() <= match.start():
            span = next(quoted, None)
        if span is not None and span.start() <= match.start():
            continue
        token = match.group()
        if token.startswith("<") and token.endswith(">>"):
            return None
        return match
    return None


@dataclass
class _Block:
    """A note, state or ref written over several lines."""

    note: Note
    lines: list[str] = field(default_factory=list)


class _Parser:
    def __init__(self) -> None:
        self.diagram = Diagram()
        self.names: dict[str, Participant] = {}
        # Open containers, innermost last: the item lists new items go into.
        self.stack: list[Group | Parallel] = []
        self.block: _Block | None = None
        self.ref: SourceRef | None = None
        self.autonumber: int | None = None
        self.active: dict[str, int] = {}
        self.last_message_line: int | None = None

    # -- helpers ---------------------------------------------------------

    def warn(self, line: int, message: str) -> None:
        self.diagram.warnings.append(WSDWarning(line, message))

    @property
    def items(self) -> list[Item]:
        if not self.stack:
            return self.diagram.items
        top = self.stack[-1]
        return top.sections[-1].items if isinstance(top, Group) else top.items

    def mention(self, name: str, line: int) -> str:
        if not name:
            raise WSDSyntaxError(line, "Syntax error.")
        if name not in self.names:
            participant = Participant(name, text_of(name), line=line)
            self.names[name] = participant
            self.diagram.participants.append(participant)
        return name

    # -- statements ------------------------------------------------------

    def feed(self, number: int, raw: str) -> None:
        stripped = raw.strip()
        if self.block is not None:
            self.block_line(number, stripped)
            return
        if not stripped:
            return
        if stripped.startswith("#"):
            self.comment(number, raw.lstrip())
            return
        for statement in (
            self.title,
            self.participant,
            self.note,
            self.group,
            self.else_,
            self.end,
            self.activation,
            self.autonumber_,
            self.newpage,
            self.option,
            self.parallel,
            self.include,
        ):
            if statement(number, stripped):
                return
        if stripped == "}":
            self.close_parallel(number)
            return
        self.message(number, stripped)

    def comment(self, number: int, stripped: str) -> None:
        ref = parse_reference(stripped, number, self.ref)
        if ref is not None:
            self.ref = ref

    def title(self, number: int, line: str) -> bool:
        match = _TITLE.fullmatch(line)
        if not match:
            return False
        self.diagram.title = text_of(match["text"] or "")
        self.diagram.title_line = number
        return True

    def participant(self, number: int, line: str) -> bool:
        match = _PARTICIPANT.fullmatch(line)
        if not match:
            return False
        keyword = match["keyword"].lower()
        kind = match["kind"] or ("actor" if keyword == "actor" else "participant")
        kind = kind.lower()
        if kind not in PARTICIPANT_KINDS:
            raise WSDSyntaxError(number, f"Unknown participant type '{kind}'.")
        rest = (match["rest"] or "").strip()
        if not rest:
            raise WSDSyntaxError(number, "Participant name expected.")
        label, _, alias = rest.rpartition(" as ")
        if not label.strip() or not alias.strip() or re.fullmatch(r'"[^"]*"', rest):
            label, alias = rest, rest
        name = _unquote(alias)
        existing = self.names.get(name)
        if existing is None:
            existing = Participant(name, "", line=number)
            self.names[name] = existing
            self.diagram.participants.append(existing)
        existing.label = text_of(_unquote(label))
        existing.kind = kind  # type: ignore[assignment]
        return True

    def note(self, number: int, line: str) -> bool:
        match = _NOTE.fullmatch(line)
        if not match:
            return False
        shape = match["shape"].lower()
        position = match["position"].split()[0].lower()
        targets, text = _split_header(match["rest"])
        names = tuple(self.mention(_unquote(n), number) for n in targets.split(","))
        if position != "over" and len(names) != 1:
            raise WSDSyntaxError(
                number, f"A {shape} {position} of takes one participant."
            )
        note = Note(number, position, names, "", shape, ref=self.ref)  # type: ignore[arg-type]
        self.items.append(note)
        if text is None:
            note.block = True
            self.block = _Block(note)
        else:
            note.text = text_of(text)
        return True

    def block_line(self, number: int, stripped: str) -> None:
        assert self.block is not None
        shape = self.block.note.shape
        if re.fullmatch(rf"(?i)end\s+{shape}", stripped):
            self.block.note.text = "\n".join(self.block.lines)
            self.block = None
        else:
            self.block.lines.append(text_of(stripped))

    def group(self, number: int, line: str) -> bool:
        match = _GROUP.fullmatch(line)
        if not match:
            return False
        label = (match["label"] or "").strip().removesuffix(":").strip()
        group = Group(
            number, match["keyword"].lower(), [GroupSection(number, text_of(label))]
        )
        self.open(number, group)
        return True

    def else_(self, number: int, line: str) -> bool:
        match = _ELSE.fullmatch(line)
        if not match:
            return False
        top = self.stack[-1] if self.stack else None
        if not isinstance(top, Group):
            raise WSDSyntaxError(number, "else without alt.")
        if top.keyword not in ELSE_GROUPS:
            self.warn(number, f"else inside {top.keyword}: drawn as a separator.")
        label = (match["label"] or "").strip().removesuffix(":").strip()
        top.sections.append(GroupSection(number, text_of(label)))
        return True

    def end(self, number: int, line: str) -> bool:
        match = _END.fullmatch(line)
        if not match:
            return False
        what = (match["what"] or "").strip().lower()
        if what in {"note", "state", "ref"}:
            raise WSDSyntaxError(number, f"end {what} without {what}.")
        top = self.stack[-1] if self.stack else None
        if not isinstance(top, Group):
            raise WSDSyntaxError(number, "end without group.")
        top.end_line = number
        self.stack.pop()
        return True

    def activation(self, number: int, line: str) -> bool:
        match = _ACTIVATION.fullmatch(line)
        if not match or _find_arrow(match["name"]):
            return False
        action = match["action"].lower()
        name = self.mention(_unquote(match["name"]), number)
        if action == "activate":
            self.active[name] = self.active.get(name, 0) + 1
        elif action == "deactivate":
            self.deactivate(number, name)
        else:
            self.active.pop(name, None)
        self.items.append(Activation(number, action, name))  # type: ignore[arg-type]
        return True

    def deactivate(self, number: int, name: str) -> None:
        if self.active.get(name, 0) == 0:
            self.warn(number, f"Deactivate: {name} was not activated.")
            return
        self.active[name] -= 1

    def autonumber_(self, number: int, line: str) -> bool:
        match = _AUTONUMBER.fullmatch(line)
        if not match:
            return False
        arg = (match["arg"] or "1").lower()
        if arg == "off":
            self.autonumber = None
        elif _NUMBER.fullmatch(arg):
            self.autonumber = int(arg)
        else:
            raise WSDSyntaxError(
                number, f"autonumber takes a number up to {MAX_AUTONUMBER} or 'off'."
            )
        return True

    def newpage(self, number: int, line: str) -> bool:
        match = _NEWPAGE.fullmatch(line)
        if not match:
            return False
        self.items.append(PageBreak(number, text_of(match["title"] or "") or None))
        return True

    def option(self, number: int, line: str) -> bool:
        match = _OPTION.fullmatch(line)
        if not match:
            return False
        key, value = match["key"].lower(), match["value"].lower()
        if key == "footer" and value not in FOOTERS:
            raise WSDSyntaxError(number, "option footer takes none, bar or box.")
        if key != "footer":
            self.warn(number, f"Unknown option '{key}' ignored.")
        self.diagram.options[key] = value
        return True

    def parallel(self, number: int, line: str) -> bool:
        if not _PARALLEL.fullmatch(line):
            return False
        self.open(number, Parallel(number))
        return True

    def open(self, number: int, container: Group | Parallel) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise WSDSyntaxError(
                number, f"Groups and parallel blocks nested more than {MAX_DEPTH} deep."
            )
        self.items.append(container)
        self.stack.append(container)

    def close_parallel(self, number: int) -> None:
        top = self.stack[-1] if self.stack else None
        if not isinstance(top, Parallel):
            raise WSDSyntaxError(number, "} without parallel {.")
        top.end_line = number
        self.stack.pop()

    def include(self, number: int, line: str) -> bool:
        if not _INCLUDE.match(line):
            return False
        raise WSDSyntaxError(
            number, "include is not supported: put the diagram in one file."
        )

    def message(self, number: int, line: str) -> None:
        header, text = _split_header(line)
        arrow = _find_arrow(header)
        if arrow is None:
            raise WSDSyntaxError(number, "Syntax error.")
        target_part = header[arrow.end() :]
        modifiers = _MODIFIERS.match(target_part.lstrip())
        assert modifiers is not None
        flags = modifiers.group()
        source = self.mention(_unquote(header[: arrow.start()]), number)
        target = self.mention(_unquote(target_part.lstrip()[modifiers.end() :]), number)
        message = Message(
            number,
            source,
            target,
            text_of(text or ""),
            Arrow.parse(arrow.group()),
            activate="+" in flags,
            deactivate="-" in flags,
            create="*" in flags,
            ref=self.ref,
        )
        if self.autonumber is not None:
            message.number = self.autonumber
            self.autonumber += 1
        if message.deactivate:
            self.deactivate(number, source)
        if message.activate:
            self.active[target] = self.active.get(target, 0) + 1
        self.items.append(message)

    # -- end of input ----------------------------------------------------

    def finish(self, last_line: int) -> Diagram:
        if self.block is not None:
            note = self.block.note
            raise WSDSyntaxError(note.line, f"{note.shape} without end {note.shape}.")
        while self.stack:
            top = self.stack.pop()
            kind = top.keyword if isinstance(top, Group) else "parallel"
            self.warn(
                top.line, f"{kind} is not closed: closed at the end of the diagram."
            )
        for name, depth in self.active.items():
            if depth > 0:
                self.warn(
                    last_line, f"{name} is still active at the end of the diagram."
                )
        return self.diagram


def parse(text: str) -> Diagram:
    """Parse WSD ``text``; raise :class:`WSDSyntaxError` on the first bad line."""
    parser = _Parser()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    last = 0
    for number, line in enumerate(lines, start=1):
        parser.feed(number, line)
        last = number if line.strip() else last
    return parser.finish(last)

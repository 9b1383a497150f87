"""The parsed form of a WSD diagram.

Every element keeps the 1-based source line it came from, and every note and
message keeps the source reference comment that was in force above it, so that
renderers can link a step to the OpenStack function that performs it and
diagnostics can point at the right line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

ParticipantKind = Literal[
    "participant", "actor", "database", "collections", "cloud", "queue"
]
NotePosition = Literal["over", "left", "right"]
NoteShape = Literal["note", "state", "ref"]
ActivationAction = Literal["activate", "deactivate", "destroy"]

#: The six WSD arrows, longest first (the order the parser must try them).
ARROWS = ("<-->", "-->>", "<->", "-->", "->>", "->")


@dataclass(frozen=True)
class SourceRef:
    """A source reference comment: ``# nova/compute/api.py API.pause()``.

    ``path`` is ``None`` for a function-only comment with no file before it;
    ``qualname`` is ``None`` for a file-only comment. ``canonical`` is true
    when the comment was written exactly in the canonical form.
    """

    path: str | None
    qualname: str | None
    line: int
    canonical: bool = True

    @property
    def project(self) -> str | None:
        """The top-level Python package the path starts with (``nova``)."""
        return self.path.split("/", 1)[0] if self.path else None

    def __str__(self) -> str:
        if self.qualname is None:
            return self.path or ""
        return f"{self.path or '?'} {self.qualname}()"


@dataclass(frozen=True)
class Arrow:
    """How a message line is drawn."""

    dashed: bool = False
    open_head: bool = False
    two_headed: bool = False

    @classmethod
    def parse(cls, token: str) -> Arrow:
        return cls(
            dashed="--" in token,
            open_head=token.endswith(">>"),
            two_headed=token.startswith("<"),
        )

    def __str__(self) -> str:
        body = "--" if self.dashed else "-"
        head = ">>" if self.open_head else ">"
        return ("<" if self.two_headed else "") + body + head


@dataclass
class Participant:
    name: str  # the identifier messages use (the alias when there is one)
    label: str  # what the head box shows; may contain "\n"
    kind: ParticipantKind = "participant"
    line: int = 0  # declaration or first mention


@dataclass
class Message:
    line: int
    source: str
    target: str
    text: str
    arrow: Arrow = field(default_factory=Arrow)
    activate: bool = False  # ``A->+B``: B becomes active
    deactivate: bool = False  # ``B-->-A``: B (the sender) stops being active
    create: bool = False  # ``A->*B``: B's head is drawn here
    number: int | None = None  # set by ``autonumber``
    ref: SourceRef | None = None

    @property
    def is_self(self) -> bool:
        return self.source == self.target


@dataclass
class Note:
    """A note, or the ``state`` and ``ref`` boxes that share its syntax."""

    line: int
    position: NotePosition
    participants: tuple[str, ...]
    text: str
    shape: NoteShape = "note"
    block: bool = False  # written as ``note over A`` ... ``end note``
    ref: SourceRef | None = None


@dataclass
class Activation:
    """``activate X``, ``deactivate X`` or ``destroy X``; drawn at the
    previous message's y position."""

    line: int
    action: ActivationAction
    participant: str


@dataclass
class GroupSection:
    """One part of a group: the first holds the group's own label, each
    ``else`` starts another."""

    line: int
    label: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Group:
    line: int
    keyword: str  # alt, opt, loop, par, seq (lower case)
    sections: list[GroupSection] = field(default_factory=list)
    end_line: int | None = None  # None when closed implicitly at end of file

    @property
    def label(self) -> str:
        return self.sections[0].label if self.sections else ""


@dataclass
class Parallel:
    """``parallel {`` ... ``}``: the items share one vertical slot."""

    line: int
    items: list[Item] = field(default_factory=list)
    end_line: int | None = None


@dataclass
class PageBreak:
    """``newpage`` (or ``newpage Title``): printed output starts a new page
    here, headed by ``title`` if there is one; screens ignore it."""

    line: int
    title: str | None = None


Item = Message | Note | Activation | Group | Parallel | PageBreak
Step = Message | Note


@dataclass(frozen=True)
class WSDWarning:
    """A tolerated problem: the diagram still renders."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass
class Diagram:
    title: str | None = None
    title_line: int | None = None
    participants: list[Participant] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    warnings: list[WSDWarning] = field(default_factory=list)

    def participant(self, name: str) -> Participant:
        """The participant called ``name`` (KeyError if there is none)."""
        for participant in self.participants:
            if participant.name == name:
                return participant
        raise KeyError(name)

    def walk(self) -> Iterator[Item]:
        """Every item in source order, groups and their contents included.

        A stack, not recursion: the depth of a model is not bounded."""
        stack: list[Iterator[Item]] = [iter(self.items)]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
                continue
            yield item
            if isinstance(item, Group):
                stack.append(
                    inner for section in item.sections for inner in section.items
                )
            elif isinstance(item, Parallel):
                stack.append(iter(item.items))

    def steps(self) -> list[Step]:
        """The notes and messages in reading order: what a reader follows."""
        return [item for item in self.walk() if isinstance(item, (Message, Note))]

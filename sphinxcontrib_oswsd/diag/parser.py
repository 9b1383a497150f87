"""Text in the seqdiag language (sphinxcontrib-seqdiag's) to a :class:`Diagram`.

The same model the WSD parser makes, so every renderer, the steps list and
``oswsd convert`` serve both languages. The language, as seqdiag 3.0 reads it:

- one block: ``seqdiag { ... }``, ``diagram name { ... }`` or ``{ ... }``;
- statements, each optionally ended by ``;``: node ``A [label = "x"]``;
  edge ``A -> B -> C [attrs] { edges ... }`` with ``->``, ``-->``, ``->>``,
  ``-->>`` (forward), ``<-``, ``<--``, ``<<-``, ``<<--`` (back) and ``=>``
  (a call and its dashed return); diagram attribute ``name = value``;
  ``class name [attrs]``; ``plugin name [attrs]``; ``group { ... }``;
  ``alt { ... }`` and ``loop { ... }``; separators ``=== text ===`` (a
  divider) and ``... text ...`` (a delay);
- identifiers, numbers and strings (``"..."``, ``'...'``, ``\"\"\"...\"\"\"``
  across lines) as values; comments ``//``, ``#`` and ``/* */``.

Attribute and class statements take effect before the others of their
block, wherever they are written. What we do not draw (colours, fonts,
sizes) is accepted; an attribute seqdiag does not know is a located info
message, never an error. Syntax errors raise :class:`WSDSyntaxError` with
the line. A ``# path.py Qualname()`` comment is a source reference, as in
WSD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    Parallel,
    Participant,
    SourceRef,
    WSDWarning,
)
from sphinxcontrib_oswsd.wsd.parser import MAX_DEPTH, WSDSyntaxError, parse_reference

__all__ = ["parse"]

_TOKEN = re.compile(
    r"""
    (?P<comment>/\*.*?\*/|(?://|\#)[^\n]*)
    |(?P<space>\s+)
    |(?P<separator>(?P<sep>===|\.\.\.)[^\n]+?(?P=sep))
    |(?P<name>[A-Za-z_0-9\u0080-\U0010ffff][A-Za-z_\-.0-9\u0080-\U0010ffff]*)
    |(?P<op>=>|[{};,=\[\]]|<<?--?|--?>>?)
    |(?P<number>-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
    |(?P<string>(?P<quote>\"\"\"|'''|"|').*?(?<!\\)(?P=quote))
    """,
    re.S | re.X,
)
#: Edge operators: (direction, dashed, asynchronous), as seqdiag draws them.
EDGES = {
    "->": ("forward", False, False),
    "-->": ("forward", True, False),
    "->>": ("forward", False, True),
    "-->>": ("forward", True, True),
    "<-": ("back", False, False),
    "<--": ("back", True, False),
    "<<-": ("back", False, True),
    "<<--": ("back", True, True),
    "=>": ("both", False, False),
}
#: seqdiag node shapes we have a head for; the others are drawn as boxes.
SHAPES = {"actor": "actor", "cloud": "cloud", "flowchart.database": "database"}
#: Attributes seqdiag accepts that change only colours, fonts and sizes.
COSMETIC = {
    "node": {
        "color", "textcolor", "fontsize", "fontfamily", "style", "linecolor",
        "width", "height", "background", "icon", "rotate", "stacked",
        "label_orientation", "href", "numbered", "description",
    },
    "edge": {
        "color", "textcolor", "fontsize", "fontfamily", "diagonal", "thick",
        "folded", "nofolded", "hstyle", "label_margin", "description",
    },
    "diagram": {
        "edge_length", "span_height", "span_width", "node_width", "node_height",
        "default_note_color", "default_fontsize", "default_fontfamily",
        "default_linecolor", "default_line_color", "default_textcolor",
        "default_text_color", "default_node_color", "default_node_style",
        "default_group_color", "default_edge_label_margin", "edge_height",
        "shadow_style", "fontsize", "page_padding", "colwidth", "colheight",
        "default_label_orientation", "edge_layout", "shape_namespace",
    },
    "group": {"color", "label", "shape", "orientation", "fontsize", "textcolor"},
    "fragment": {"color", "textcolor", "fontsize", "fontfamily", "linecolor"},
}  # fmt: skip
PLUGINS = frozenset({"autoclass", "attributes"})


@dataclass(frozen=True)
class _Token:
    kind: str  # name, number, string, op, separator, end
    text: str
    line: int
    ref: SourceRef | None  # the source reference comment in force


@dataclass
class _Attr:
    name: str
    value: str | None
    line: int


@dataclass
class _Node:
    id: str
    attrs: list[_Attr]
    line: int


@dataclass
class _Edge:
    ids: list[str]  # A -> B -> C: the nodes, in order
    ops: list[str]  # and the operators between them
    attrs: list[_Attr]
    block: list[_Statement] | None
    line: int
    ref: SourceRef | None


@dataclass
class _Separator:
    kind: str  # "===" or "..."
    text: str
    line: int


@dataclass
class _Fragment:
    kind: str  # alt, loop
    label: str
    body: list[_Statement]
    line: int


@dataclass
class _Group:
    body: list[_Statement]
    line: int


@dataclass
class _Extension:
    kind: str  # class, plugin
    name: str
    attrs: list[_Attr]
    line: int


_Statement = _Attr | _Node | _Edge | _Separator | _Fragment | _Group | _Extension


def unquote(text: str) -> str:
    """A value as seqdiag reads it: triple quotes dropped, then one pair of
    quotes and the escapes of that quote; ``\\n`` is a line break."""
    text = text.replace('"""', "").replace("'''", "")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        quote = text[0]
        text = text[1:-1].replace("\\" + quote, quote)
    return text.replace("\\n", "\n")


def _tokens(text: str) -> Iterator[_Token]:
    line, position, ref = 1, 0, None
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            what = (
                "an unclosed comment"
                if text.startswith("/*", position)
                else (f"unexpected {text[position]!r}")
            )
            hint = " (write spaces around arrows)" if text[position] == ">" else ""
            raise WSDSyntaxError(line, f"Syntax error: {what}{hint}.")
        kind, token = match.lastgroup, match.group()
        if kind == "comment" and token.startswith("#"):
            ref = parse_reference(token, line, ref) or ref
        elif kind not in ("comment", "space"):
            yield _Token(kind or "", token, line, ref)
        line += token.count("\n")
        position = match.end()
    yield _Token("end", "", line, ref)


class _Reader:
    """Recursive descent over the tokens; blocks nest at most MAX_DEPTH deep."""

    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> _Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.token
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def fail(self, expected: str) -> WSDSyntaxError:
        token = self.token
        found = "the end of the text" if token.kind == "end" else repr(token.text)
        return WSDSyntaxError(
            token.line, f"Syntax error: {expected} expected, {found} found."
        )

    def op(self, text: str) -> bool:
        if self.token.kind == "op" and self.token.text == text:
            self.take()
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.op(text):
            raise self.fail(repr(text))

    def is_id(self, token: _Token | None = None) -> bool:
        return (token or self.token).kind in ("name", "number", "string")

    def id(self) -> str:
        if not self.is_id():
            raise self.fail("a name")
        return unquote(self.take().text)

    def keyword(self, *words: str) -> bool:
        return self.token.kind == "name" and self.token.text in words

    # -- the grammar -------------------------------------------------------

    def diagram(self) -> list[_Statement]:
        if self.keyword("seqdiag", "diagram"):
            self.take()
            if self.is_id():
                self.take()
        self.expect("{")
        body = self.statements()
        self.expect("}")
        if self.token.kind != "end":
            raise self.fail("the end of the text")
        return body

    def block(self) -> list[_Statement]:
        line = self.token.line
        self.expect("{")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise WSDSyntaxError(line, f"Blocks nested more than {MAX_DEPTH} deep.")
        body = self.statements()
        self.depth -= 1
        self.expect("}")
        return body

    def statements(self) -> list[_Statement]:
        body: list[_Statement] = []
        while not (self.token.kind == "end" or self.token.text == "}"):
            body.append(self.statement())
            self.op(";")
        return body

    def statement(self) -> _Statement:
        token = self.token
        if token.kind == "separator":
            self.take()
            return _Separator(token.text[:3], token.text[3:-3].strip(), token.line)
        if not self.is_id():
            raise self.fail("a statement")
        after = self.peek()
        if (token.kind == "name" and after.text == "{") or self.is_id(after):
            if token.text in ("alt", "loop"):
                self.take()
                label = self.id() if self.is_id() else ""
                return _Fragment(token.text, label, self.block(), token.line)
            if token.text == "group":
                self.take()
                if self.is_id():
                    self.take()
                return _Group(self.block(), token.line)
            if token.text in ("class", "plugin"):
                self.take()
                name = self.id()
                return _Extension(token.text, name, self.options(), token.line)
        name = self.id()
        if self.op("="):
            return _Attr(name, self.id(), token.line)
        if self.token.kind == "op" and self.token.text in EDGES:
            return self.edge(name, token)
        return _Node(name, self.options(), token.line)

    def edge(self, first: str, start: _Token) -> _Edge:
        ids, ops = [first], []
        while self.token.kind == "op" and self.token.text in EDGES:
            ops.append(self.take().text)
            ids.append(self.id())
        attrs = self.options()
        block = self.block() if self.token.text == "{" else None
        return _Edge(ids, ops, attrs, block, start.line, start.ref)

    def options(self) -> list[_Attr]:
        attrs: list[_Attr] = []
        if not self.op("["):
            return attrs
        while True:
            line = self.token.line
            name = self.id()
            value = self.id() if self.op("=") else None
            attrs.append(_Attr(name, value, line))
            if self.op("]"):
                return attrs
            self.expect(",")


# -- from statements to the model ------------------------------------------


@dataclass
class _Edges:
    """The settings of one edge statement, after classes and attributes."""

    label: str = ""
    notes: dict[str, str] = field(default_factory=dict)  # "left"/"right" -> text
    returns: str = ""
    dashed: bool | None = None  # from ``style``; None: as the operator says
    activate: bool = True


class _Builder:
    def __init__(self) -> None:
        self.diagram = Diagram()
        self.infos: list[WSDWarning] = []
        self.nodes: dict[str, Participant] = {}
        self.classes: dict[str, list[_Attr]] = {}
        self.plugins: set[str] = set()
        self.node_attributes: set[str] = set()  # declared by plugin attributes
        self.default_kind = "participant"
        self.activation = True
        self.autonumber = False
        self.active: dict[str, int] = {}
        self.columns: dict[str, int] = {}
        self.started: list[str] = []  # active from the top: drawn so
        self.separators: list[Note] = []

    def info(self, line: int, message: str) -> None:
        self.infos.append(WSDWarning(line, message))

    def build(self, body: list[_Statement]) -> tuple[Diagram, list[WSDWarning]]:
        self.settings(body)
        first = self.first_sender(body) if self.activation else None
        if first:  # seqdiag starts the first sender active
            self.start(first)
        items = self.diagram.items
        self.statements(body, items, "diagram")
        items[:0] = [
            Activation(self.nodes[n].line, "activate", n) for n in self.started
        ]
        last = max((i.line for i in self.diagram.walk()), default=1)
        for name, depth in self.active.items():  # bars end at the last step
            items += [Activation(last, "deactivate", name)] * depth
        everyone = tuple(p.name for p in self.diagram.participants)
        for note in self.separators:
            note.participants = (everyone[0], everyone[-1]) if everyone else ()
        if not everyone:  # nothing to put a separator across
            self.drop_separators(items)
        if self.autonumber:
            messages = (i for i in self.diagram.walk() if isinstance(i, Message))
            for number, message in enumerate(messages, start=1):
                message.number = number
        return self.diagram, self.infos

    # -- settings that apply to the whole block, wherever written --------------

    def settings(self, body: list[_Statement]) -> None:
        for statement in body:
            if isinstance(statement, _Extension):
                self.extension(statement)
        for statement in body:
            if isinstance(statement, _Attr):
                self.diagram_attribute(statement)

    def extension(self, statement: _Extension) -> None:
        if statement.kind == "class":
            self.classes[statement.name] = statement.attrs
            return
        if statement.name not in PLUGINS:
            self.info(statement.line, f"plugin {statement.name} ignored.")
            return
        self.plugins.add(statement.name)
        if statement.name == "attributes":
            self.node_attributes.update(attr.name for attr in statement.attrs)

    def diagram_attribute(self, attr: _Attr) -> None:
        value = (attr.value or "").lower()
        if attr.name == "activation":
            if value == "none":
                self.activation = False
            else:
                self.info(attr.line, f"activation = {attr.value} ignored (only none).")
        elif attr.name == "autonumber":
            self.autonumber = value != "false"
        elif attr.name == "default_shape":
            self.default_kind = SHAPES.get(value, "participant")
            for node in self.nodes.values():
                node.kind = self.default_kind  # type: ignore[assignment]
        elif attr.name not in COSMETIC["diagram"]:
            self.info(attr.line, f"unknown diagram attribute {attr.name!r} ignored.")

    # -- statements ------------------------------------------------------------

    def statements(self, body: list[_Statement], items: list[Item], where: str) -> None:
        for statement in body:
            if isinstance(statement, _Node):
                self.node(statement)
            elif isinstance(statement, _Edge):
                self.edge(statement, items)
            elif isinstance(statement, _Separator):
                self.separator(statement, items)
            elif isinstance(statement, _Fragment):
                self.fragment(statement, items)
            elif isinstance(statement, _Group):
                self.group(statement)
            elif isinstance(statement, _Attr) and where != "diagram":
                if statement.name not in COSMETIC[where]:
                    self.info(
                        statement.line,
                        f"unknown {where} attribute {statement.name!r} ignored.",
                    )
            elif isinstance(statement, _Extension) and where != "diagram":
                self.info(statement.line, f"{statement.kind} inside a block ignored.")

    def mention(self, name: str, line: int) -> Participant:
        node = self.nodes.get(name)
        if node is None:
            node = Participant(name, name, self.default_kind, line)  # type: ignore[arg-type]
            self.nodes[name] = node
            self.columns[name] = len(self.columns)
            self.diagram.participants.append(node)
            if "autoclass" in self.plugins:
                self.autoclass(node)
        return node

    def autoclass(self, node: Participant) -> None:
        """``plugin autoclass``: ``web_emphasis`` is ``web`` in class ``emphasis``."""
        for name, attrs in self.classes.items():
            if node.name.endswith(f"_{name}"):
                node.label = node.name.removesuffix(f"_{name}")
                self.node_attrs(node, attrs)

    def node(self, statement: _Node) -> None:
        node = self.mention(statement.id, statement.line)
        self.node_attrs(node, statement.attrs)

    def node_attrs(self, node: Participant, attrs: list[_Attr]) -> None:
        for attr in self.expand(attrs):
            value = attr.value or ""
            if attr.name == "label":
                node.label = value
            elif attr.name == "shape":
                node.kind = SHAPES.get(value, "participant")  # type: ignore[assignment]
            elif attr.name == "activated":
                if self.activation:
                    self.start(node.name)
            elif attr.name not in COSMETIC["node"] | self.node_attributes:
                self.info(attr.line, f"unknown node attribute {attr.name!r} ignored.")

    def start(self, name: str) -> None:
        if name not in self.started:
            self.started.append(name)
            self.active[name] = self.active.get(name, 0) + 1

    def expand(self, attrs: list[_Attr]) -> Iterator[_Attr]:
        """The attributes with each ``class = name`` replaced by the class's."""
        for attr in attrs:
            if attr.name != "class":
                yield attr
            elif (attr.value or "") in self.classes:
                yield from self.classes[attr.value or ""]
            else:
                raise WSDSyntaxError(attr.line, f"Unknown class {attr.value!r}.")

    def edge_settings(self, statement: _Edge) -> _Edges:
        settings = _Edges()
        for attr in self.expand(statement.attrs):
            value = attr.value or ""
            name = attr.name
            if name == "label":
                settings.label = value
            elif name in ("note", "rightnote"):
                settings.notes["right"] = value
            elif name == "leftnote":
                settings.notes["left"] = value
            elif name == "return":
                settings.returns = value
            elif name == "style":
                settings.dashed = value.lower() in ("dashed", "dotted")
            elif name in ("failed", "noactivate"):
                settings.activate = False
                if name == "failed":
                    self.info(attr.line, "failed: drawn as an ordinary message.")
            elif name == "activate":
                settings.activate = True
            elif name not in COSMETIC["edge"]:
                self.info(attr.line, f"unknown edge attribute {name!r} ignored.")
        return settings

    def edge(self, statement: _Edge, items: list[Item]) -> None:
        """``A -> B -> C { ... }``: each forward part in order, the block, then
        the back parts in reverse order, the way seqdiag nests them."""
        settings = self.edge_settings(statement)
        for name in statement.ids:
            self.mention(name, statement.line)
        ids = statement.ids
        pairs = [(ids[i], op, ids[i + 1]) for i, op in enumerate(statement.ops)]
        for left, op, right in pairs:
            if EDGES[op][0] != "back":
                self.message(
                    statement, settings, left, right, op, forward=True, items=items
                )
        if statement.block is not None:
            self.statements(statement.block, items, "edge")
        for left, op, right in reversed(pairs):
            if EDGES[op][0] != "forward":
                self.message(
                    statement, settings, left, right, op, forward=False, items=items
                )

    def message(
        self,
        statement: _Edge,
        settings: _Edges,
        left: str,
        right: str,
        op: str,
        *,
        forward: bool,
        items: list[Item],
    ) -> None:
        direction, dashed, asynchronous = EDGES[op]
        is_return = direction == "both" and not forward
        if settings.dashed is not None and not is_return:
            dashed = settings.dashed
        source, target = (left, right) if forward else (right, left)
        activate = self.activation and settings.activate
        if left == right and direction != "both":
            activate = False
        message = Message(
            statement.line,
            source,
            target,
            settings.returns if is_return else settings.label,
            Arrow(dashed=dashed or is_return, open_head=asynchronous),
            ref=statement.ref,
        )
        if activate and forward:
            message.activate = True
            self.active[target] = self.active.get(target, 0) + 1
        elif activate and self.active.get(right, 0) > 0:
            message.deactivate = True
            self.active[right] -= 1
        notes = {} if is_return else settings.notes
        if not notes:
            items.append(message)
            return
        # seqdiag draws an edge's notes beside it: one row, side by side.
        row = Parallel(statement.line, [message])
        edge_left, edge_right = sorted((left, right), key=self.columns.__getitem__)
        for side, text in notes.items():
            who = edge_left if side == "left" else edge_right
            row.items.append(
                Note(statement.line, side, (who,), text, ref=statement.ref)
            )  # type: ignore[arg-type]
        row.end_line = statement.line
        items.append(row)

    def separator(self, statement: _Separator, items: list[Item]) -> None:
        shape = "state" if statement.kind == "===" else "note"
        note = Note(statement.line, "over", (), unquote(statement.text), shape)  # type: ignore[arg-type]
        self.separators.append(note)
        items.append(note)

    def drop_separators(self, items: list[Item]) -> None:
        for note in self.separators:
            self.info(note.line, "separator without participants ignored.")
        items[:] = [
            i for i in items if not (isinstance(i, Note) and not i.participants)
        ]

    def fragment(self, statement: _Fragment, items: list[Item]) -> None:
        label = statement.label
        for attr in statement.body:
            if isinstance(attr, _Attr) and attr.name == "label":
                label = attr.value or ""
        body = [
            s
            for s in statement.body
            if not (isinstance(s, _Attr) and s.name == "label")
        ]
        section = GroupSection(statement.line, label)
        group = Group(statement.line, statement.kind, [section])
        self.statements(body, section.items, "fragment")
        group.end_line = statement.line
        items.append(group)

    def group(self, statement: _Group) -> None:
        self.info(
            statement.line, "group: its nodes are drawn side by side, without the box."
        )
        for inner in statement.body:
            if isinstance(inner, _Node):
                self.node(inner)
            elif isinstance(inner, _Attr) and inner.name not in COSMETIC["group"]:
                self.info(
                    inner.line, f"unknown group attribute {inner.name!r} ignored."
                )

    def first_sender(self, body: list[_Statement]) -> str | None:
        """The first node of the first edge: seqdiag starts it active."""
        stack = [iter(body)]
        while stack:
            statement = next(stack[-1], None)
            if statement is None:
                stack.pop()
            elif isinstance(statement, _Edge):
                return statement.ids[0]
            elif isinstance(statement, _Fragment):
                stack.append(iter(statement.body))
        return None


def parse(text: str) -> tuple[Diagram, list[WSDWarning]]:
    """Parse seqdiag ``text``: the diagram, and info messages about what was
    ignored. Raises :class:`WSDSyntaxError` on the first bad token."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    return _Builder().build(_Reader(text).diagram())

"""The parser against every row of the language spec and every tolerance case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphinxcontrib_oswsd.wsd.model import (
    Activation,
    Diagram,
    Group,
    GroupSection,
    Message,
    Note,
    Parallel,
    SourceRef,
)
from sphinxcontrib_oswsd.wsd.parser import MAX_DEPTH, WSDSyntaxError, parse


def only(diagram, kind):
    items = [item for item in diagram.walk() if isinstance(item, kind)]
    assert len(items) == 1, items
    return items[0]


def messages(diagram):
    return [item for item in diagram.walk() if isinstance(item, Message)]


# -- lines ------------------------------------------------------------------


def test_line_endings_are_normalised():
    diagram = parse("A->B: one\r\nB->C: two\rC->A: three")
    assert [(m.line, m.text) for m in messages(diagram)] == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
    ]


def test_blank_lines_and_indentation_with_spaces_and_tabs():
    diagram = parse("\n\n   A->B: x\n\t\tB->A: y  \n")
    assert [(m.line, m.text) for m in messages(diagram)] == [(3, "x"), (4, "y")]


def test_comments_are_ignored_and_hash_elsewhere_is_text():
    diagram = parse("# a comment\n  #indented\n##x\nA->B: issue #42")
    assert only(diagram, Message).text == "issue #42"


def test_keywords_are_case_insensitive():
    diagram = parse("Title T\nParticipant A\nNote Over A: n\nALT x\nA->B\nEND")
    assert diagram.title == "T"
    assert only(diagram, Note).position == "over"
    assert only(diagram, Group).keyword == "alt"


def test_participant_names_are_case_sensitive():
    diagram = parse("a->A: x")
    assert [p.name for p in diagram.participants] == ["a", "A"]


def test_utf8_cjk_and_accents():
    diagram = parse("title 暂停虚拟机\n用户->Nova: café")
    assert diagram.title == "暂停虚拟机"
    assert only(diagram, Message).source == "用户"
    assert only(diagram, Message).text == "café"


def test_backslash_n_is_a_line_break_and_eats_spaces():
    diagram = parse('participant "Nova\\n API" as n\nn->n: a \\n b\nnote over n: x\\ny')
    assert diagram.participant("n").label == "Nova\nAPI"
    assert only(diagram, Message).text == "a\nb"
    assert only(diagram, Note).text == "x\ny"


# -- statements -------------------------------------------------------------


def test_title():
    diagram = parse("title Pausing a server")
    assert (diagram.title, diagram.title_line) == ("Pausing a server", 1)


@pytest.mark.parametrize(
    ("line", "name", "label"),
    [
        ("participant Name", "Name", "Name"),
        ('participant "Quoted\\nName" as Alias', "Alias", "Quoted\nName"),
        ("participant Multi Word Name", "Multi Word Name", "Multi Word Name"),
        ("participant Long Name as L", "L", "Long Name"),
        ("participant a as b as c", "c", "a as b"),
        ('participant "x as y"', "x as y", "x as y"),
    ],
)
def test_participant_forms(line, name, label):
    participant = parse(line).participants[0]
    assert (participant.name, participant.label) == (name, label)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("actor User", "actor"),
        ("participant:actor User", "actor"),
        ("participant:database User", "database"),
        ("participant:collections User", "collections"),
        ("participant:cloud User", "cloud"),
        ("participant:queue User", "queue"),
        ("participant User", "participant"),
    ],
)
def test_participant_kinds(line, kind):
    assert parse(line).participants[0].kind == kind


def test_unknown_participant_kind_is_an_error():
    with pytest.raises(WSDSyntaxError, match="Line 1: Unknown participant type"):
        parse("participant:spaceship X")


def test_order_is_declaration_then_first_mention():
    diagram = parse("participant C\nA->B: x\nparticipant B\nD->C: y")
    assert [p.name for p in diagram.participants] == ["C", "A", "B", "D"]


@pytest.mark.parametrize(
    ("token", "dashed", "open_head", "two_headed"),
    [
        ("->", False, False, False),
        ("->>", False, True, False),
        ("-->", True, False, False),
        ("-->>", True, True, False),
        ("<->", False, False, True),
        ("<-->", True, False, True),
    ],
)
def test_arrows(token, dashed, open_head, two_headed):
    message = only(parse(f"A{token}B: t"), Message)
    assert (message.source, message.target) == ("A", "B")
    arrow = message.arrow
    assert (arrow.dashed, arrow.open_head, arrow.two_headed) == (
        dashed,
        open_head,
        two_headed,
    )
    assert str(arrow) == token


def test_self_message():
    message = only(parse("A->A: think"), Message)
    assert message.is_self


def test_quoted_names():
    message = only(parse('"a:b"->"c": text'), Message)
    assert (message.source, message.target, message.text) == ("a:b", "c", "text")


@pytest.mark.parametrize(
    "line", ["A -> B : text", "A->B:text", "  A  ->   B  :   text"]
)
def test_spacing(line):
    message = only(parse(line), Message)
    assert (message.source, message.target, message.text) == ("A", "B", "text")


def test_first_colon_ends_header_rest_is_text():
    message = only(parse("A->B: a: b -> c: <d> & e"), Message)
    assert message.text == "a: b -> c: <d> & e"


def test_empty_label():
    assert only(parse("A->B"), Message).text == ""


def test_activation_shorthand():
    diagram = parse("A->+B: call\nB-->-A: reply")
    call, reply = messages(diagram)
    assert call.activate and not call.deactivate
    assert reply.deactivate and not reply.activate
    assert diagram.warnings == []


def test_create_shorthand_and_combination():
    message = only(parse("A->*+B: new"), Message)
    assert message.create and message.activate


def test_activate_deactivate_destroy():
    diagram = parse("A->B: x\nactivate B\ndeactivate B\ndestroy A")
    actions = [
        (a.action, a.participant, a.line)
        for a in diagram.walk()
        if isinstance(a, Activation)
    ]
    assert actions == [
        ("activate", "B", 2),
        ("deactivate", "B", 3),
        ("destroy", "A", 4),
    ]
    assert diagram.warnings == []


@pytest.mark.parametrize(
    ("line", "position", "names"),
    [
        ("note over A: t", "over", ("A",)),
        ("note over A,B: t", "over", ("A", "B")),
        ("note over A , B: t", "over", ("A", "B")),
        ("note left of A: t", "left", ("A",)),
        ("note right of A: t", "right", ("A",)),
    ],
)
def test_one_line_notes(line, position, names):
    note = only(parse(line), Note)
    assert (note.position, note.participants, note.text, note.block) == (
        position,
        names,
        "t",
        False,
    )


def test_block_note_keeps_lines_trimmed():
    note = only(
        parse("note over A\n   first line\n\tsecond: with colon\nend note"), Note
    )
    assert note.block
    assert note.text == "first line\nsecond: with colon"
    assert note.line == 1


def test_unterminated_block_note_is_an_error_at_its_start():
    with pytest.raises(WSDSyntaxError, match="Line 2: note without end note"):
        parse("A->B\nnote over A\ntext")


@pytest.mark.parametrize("keyword", ["alt", "opt", "loop", "par", "seq"])
def test_groups_with_and_without_labels(keyword):
    group = only(parse(f"{keyword} the label:\nA->B\nend"), Group)
    assert (group.keyword, group.label, group.end_line) == (keyword, "the label", 3)
    assert only(parse(f"{keyword}\nA->B\nend"), Group).label == ""


def test_alt_else_sections_and_nesting():
    diagram = parse(
        "alt one\n A->B: 1\nelse two\n loop again\n  opt maybe\n   B->A: 2\n"
        "  end\n end loop\nelse\n A->A: 3\nend alt"
    )
    outer = diagram.items[0]
    assert isinstance(outer, Group)
    assert [s.label for s in outer.sections] == ["one", "two", ""]
    inner_loop = outer.sections[1].items[0]
    assert isinstance(inner_loop, Group) and inner_loop.keyword == "loop"
    assert inner_loop.sections[0].items[0].keyword == "opt"
    assert [m.text for m in messages(diagram)] == ["1", "2", "3"]
    assert diagram.warnings == []


@pytest.mark.parametrize("closer", ["end", "end alt", "END LOOP", "end whatever"])
def test_group_close_forms(closer):
    assert only(parse(f"alt x\nA->B\n{closer}"), Group).end_line == 3


def test_end_without_group_is_an_error():
    with pytest.raises(WSDSyntaxError) as info:
        parse("A->B\n\nend")
    assert info.value.line == 3
    assert str(info.value) == "Line 3: end without group."


def test_end_note_without_note_is_an_error():
    with pytest.raises(WSDSyntaxError, match="Line 1: end note without note"):
        parse("end note")


def test_else_without_group_is_an_error():
    with pytest.raises(WSDSyntaxError, match="Line 1"):
        parse("else x")


@pytest.mark.parametrize("shape", ["state", "ref"])
def test_state_and_ref_one_line_and_block(shape):
    diagram = parse(f"{shape} over A,B: one\n{shape} over A\n two\nend {shape}")
    notes = [n for n in diagram.walk() if isinstance(n, Note)]
    assert [(n.shape, n.text, n.participants) for n in notes] == [
        (shape, "one", ("A", "B")),
        (shape, "two", ("A",)),
    ]


def test_parallel_block():
    diagram = parse("parallel {\n A->B: x\n note over A: n\n}\nB->A: y")
    block = diagram.items[0]
    assert isinstance(block, Parallel)
    assert len(block.items) == 2 and block.end_line == 4
    assert isinstance(diagram.items[1], Message)


def test_closing_brace_without_parallel_is_an_error():
    with pytest.raises(WSDSyntaxError, match="Line 1"):
        parse("}")


def test_autonumber():
    diagram = parse(
        "A->B: a\nautonumber\nA->B: b\nA->B: c\n"
        "autonumber 10\nA->B: d\nautonumber off\nA->B: e"
    )
    assert [m.number for m in messages(diagram)] == [None, 1, 2, 10, None]


@pytest.mark.parametrize("arg", ["²", "٣", "1" * 5000, "-1", "1.5"])
def test_autonumber_takes_a_bounded_ascii_number(arg):
    with pytest.raises(WSDSyntaxError, match="Line 2: autonumber takes"):
        parse(f"A->B\nautonumber {arg}\nA->B")


def test_autonumber_at_the_bound():
    diagram = parse("autonumber 999999999\nA->B")
    assert messages(diagram)[0].number == 999999999


def test_option_footer():
    assert parse("option footer=none").options == {"footer": "none"}
    with pytest.raises(WSDSyntaxError, match="Line 1"):
        parse("option footer=sideways")


def test_unknown_option_is_a_warning():
    diagram = parse("option colour=red")
    assert [w.line for w in diagram.warnings] == [1]


def test_include_is_rejected_clearly():
    with pytest.raises(WSDSyntaxError, match="Line 2: include is not supported"):
        parse('A->B\ninclude "other"')


def test_a_bad_line_is_a_syntax_error_in_wsd_words():
    with pytest.raises(WSDSyntaxError) as info:
        parse("title ok\nA->B: fine\nthis is not a statement\nA->B")
    assert str(info.value) == "Line 3: Syntax error."


@pytest.mark.parametrize(
    "line", ["A-x B: t", "A<-B: t", "A<->>B: t", "->B: t", "A->: t"]
)
def test_not_wsd_arrows_and_missing_names(line):
    with pytest.raises(WSDSyntaxError, match="Line 1"):
        parse(line)


# -- tolerance ----------------------------------------------------------------


def test_else_inside_opt_is_a_warning():
    diagram = parse("opt x\nA->B\nelse y\nB->A\nend")
    assert [s.label for s in only(diagram, Group).sections] == ["x", "y"]
    assert [(w.line, w.message) for w in diagram.warnings] == [
        (3, "else inside opt: drawn as a separator.")
    ]


def test_unclosed_group_is_closed_with_a_warning():
    diagram = parse("alt x\n  loop y\n    A->B\n")
    assert [w.line for w in diagram.warnings] == [2, 1]
    assert only(diagram, Message).text == ""


def test_deactivate_inactive_and_left_active_are_warnings():
    diagram = parse("A->B: x\ndeactivate B\nactivate A\nA->B: y")
    assert [(w.line, w.message) for w in diagram.warnings] == [
        (2, "Deactivate: B was not activated."),
        (4, "A is still active at the end of the diagram."),
    ]


def test_undeclared_participants_are_created():
    diagram = parse("note over X: hi\nY->Z: t")
    assert [p.name for p in diagram.participants] == ["X", "Y", "Z"]


def test_messy_comments_and_commented_out_code():
    text = (
        "#no space\n##double\n### triple\n   # indented\n"
        "# A->B: old\n#   note over A\nA->B"
    )
    assert len(messages(parse(text))) == 1


# -- source references ---------------------------------------------------------


def test_canonical_reference_applies_to_following_steps_in_any_participant():
    diagram = parse(
        "A->B: before\n"
        "# nova/compute/api.py API.pause()\n"
        "note over A: n\n"
        "B->C: m\n"
        "alt x\n  C->A: in group\nend"
    )
    before, message, in_group = messages(diagram)
    assert before.ref is None
    expected = SourceRef("nova/compute/api.py", "API.pause", 2, canonical=True)
    assert only(diagram, Note).ref == expected
    assert message.ref == expected
    assert in_group.ref == expected


def test_next_reference_replaces_the_previous():
    diagram = parse(
        "# nova/a.py f()\nA->B: 1\n# nova/b.py C.g()\nA->B: 2\n# cast\nA->B: 3"
    )
    refs = [(m.ref.path, m.ref.qualname, m.ref.line) for m in messages(diagram)]
    assert refs == [
        ("nova/a.py", "f", 1),
        ("nova/b.py", "C.g", 3),
        ("nova/b.py", "C.g", 3),
    ]


def test_file_only_and_function_only_references():
    diagram = parse(
        "# nova/conductor/manager.py\nA->B: 1\n# build_instances()\nA->B: 2\n"
        "# ComputeTaskManager.build_instances()\nA->B: 3"
    )
    refs = [m.ref for m in messages(diagram)]
    assert [(r.path, r.qualname, r.canonical) for r in refs] == [
        ("nova/conductor/manager.py", None, False),
        ("nova/conductor/manager.py", "build_instances", False),
        ("nova/conductor/manager.py", "ComputeTaskManager.build_instances", False),
    ]


def test_function_only_reference_before_any_file_has_no_path():
    ref = only(parse("# build_instances()\nA->B"), Message).ref
    assert (ref.path, ref.qualname) == (None, "build_instances")


@pytest.mark.parametrize(
    "comment",
    [
        "## nova/compute/api.py API.pause()",
        "### nova/compute/api.py API.pause()",
        "#nova/compute/api.py API.pause()",
        "# nova/compute/api.py    API.pause()",
        "# nova/compute/api.py API.pause",
        "# nova/compute/api.py API.pause()   ",
        "#   nova/compute/api.py\tAPI.pause",
    ],
)
def test_tolerated_reference_variants(comment):
    ref = only(parse(f"{comment}\nA->B: x"), Message).ref
    assert (ref.path, ref.qualname, ref.canonical) == (
        "nova/compute/api.py",
        "API.pause",
        False,
    )


def test_indented_canonical_reference_stays_canonical():
    ref = only(
        parse("alt x\n    # nova/compute/api.py API.pause()\n    A->B\nend"), Message
    ).ref
    assert ref.canonical


@pytest.mark.parametrize(
    "comment",
    [
        "# cast",
        "# block device",
        "# see nova/compute/api.py",
        "# TODO: fix()",
        "# a.py f()",
    ],
)
def test_ordinary_comments_are_not_references(comment):
    assert only(parse(f"{comment}\nA->B"), Message).ref is None


def test_references_inside_block_notes_are_text():
    note = only(parse("note over A\n# nova/a.py f()\nend note\nA->B"), Note)
    assert note.text == "# nova/a.py f()"
    assert note.ref is None


def test_steps_are_notes_and_messages_in_reading_order():
    diagram = parse(
        "A->B: 1\nalt\n note over A: 2\nelse\n B->A: 3\nend\nactivate A\nA->A: 4"
    )
    assert [s.line for s in diagram.steps()] == [1, 3, 5, 8]


# -- robustness and speed -------------------------------------------------------

STATEMENTS = [
    "title T",
    "participant A",
    'participant "X\\nY" as X',
    "actor U",
    "A->B: m",
    "A-->>+B: m",
    "B-->-A",
    "note over A,B: n",
    "note left of A",
    "end note",
    "alt x",
    "else",
    "end",
    "loop",
    "activate A",
    "deactivate B",
    "destroy A",
    "autonumber",
    "option footer=bar",
    "parallel {",
    "}",
    "state over A: s",
    "ref over A",
    "end ref",
    "# nova/a.py f()",
    "# x()",
    "",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(STATEMENTS) | st.text(max_size=30), max_size=30))
def test_random_and_mutated_input_only_raises_syntax_errors(lines):
    text = "\n".join(lines)
    count = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    try:
        diagram = parse(text)
    except WSDSyntaxError as exc:
        assert 1 <= exc.line <= count
    else:
        assert all(1 <= step.line <= count for step in diagram.steps())


def nested(depth: int, opener: str = "loop", closer: str = "end") -> str:
    return f"{opener}\n" * depth + "A->B: deep\n" + f"{closer}\n" * depth


@pytest.mark.parametrize(("opener", "closer"), [("alt x", "end"), ("parallel {", "}")])
def test_nesting_up_to_the_limit_parses_and_walks(opener, closer):
    diagram = parse(nested(MAX_DEPTH, opener, closer))
    assert [s.text for s in diagram.steps()] == ["deep"]
    assert len(list(diagram.walk())) == MAX_DEPTH + 1


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 5000])
def test_nesting_beyond_the_limit_is_a_located_error(depth):
    text = "A->B\n" + nested(depth)
    with pytest.raises(WSDSyntaxError) as caught:
        parse(text)
    assert caught.value.line == MAX_DEPTH + 2
    assert f"more than {MAX_DEPTH} deep" in caught.value.message


def test_walk_does_not_recurse():
    """A model built by other code than the parser may nest deeper."""
    diagram = Diagram()
    items = diagram.items
    for line in range(1, 5001):
        group = Group(line, "loop", [GroupSection(line, "")])
        items.append(group)
        items = group.sections[0].items
    items.append(Message(5001, "A", "B", "deep"))
    assert [s.line for s in diagram.steps()] == [5001]
    assert [item.line for item in diagram.walk()] == list(range(1, 5002))


def test_twenty_thousand_lines_parse():
    """Size only: the time is measured by ``python -m benchmarks.parse``."""
    block = (
        "# nova/compute/api.py API.pause()\n"
        "A->+B: call with text\n"
        "alt ok\n  note over A,B: state\nelse\n  B->>C: cast\nend\n"
        "B-->-A: reply\n"
    )
    diagram = parse(block * 2500)
    assert len(diagram.steps()) == 10000
    assert diagram.steps()[-1].line == 20000

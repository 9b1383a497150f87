"""The seqdiag language into our diagram model, and back out as WSD."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphinxcontrib_oswsd.cli import main
from sphinxcontrib_oswsd.diag.parser import parse
from sphinxcontrib_oswsd.wsd import parser as wsd
from sphinxcontrib_oswsd.wsd.model import Activation, Group, Message, Note, Parallel
from sphinxcontrib_oswsd.wsd.parser import MAX_DEPTH, WSDSyntaxError
from sphinxcontrib_oswsd.wsd.writer import to_wsd


def diagram(text: str):
    found, infos = parse(text)
    assert infos == [], infos
    return found


def messages(found) -> list[Message]:
    return [item for item in found.walk() if isinstance(item, Message)]


def arrows(found) -> list[tuple]:
    return [
        (m.source, m.target, m.text, str(m.arrow), m.activate, m.deactivate)
        for m in messages(found)
    ]


# -- the block ----------------------------------------------------------------


@pytest.mark.parametrize(
    "opening", ["seqdiag {", "diagram {", "seqdiag name {", 'diagram "x" {', "{"]
)
def test_every_form_of_the_block(opening):
    found = diagram(f"{opening}\n  A -> B;\n}}\n")
    assert [(m.source, m.target) for m in messages(found)] == [("A", "B")]


def test_semicolons_are_optional_and_comments_of_three_kinds():
    found = diagram(
        "seqdiag {\n"
        "  // a line comment\n"
        "  # another\n"
        "  /* a block\n     comment */ A -> B\n"
        "  B -> C [label = x]; C -> D\n"
        "}"
    )
    assert [(m.source, m.line) for m in messages(found)] == [
        ("A", 5),
        ("B", 6),
        ("C", 6),
    ]


# -- nodes ----------------------------------------------------------------------


def test_nodes_are_declared_in_order_with_labels_and_shapes():
    found = diagram(
        "{\n"
        '  user [label = "The user", shape = actor];\n'
        "  db [shape = flowchart.database, color = pink];\n"
        "  web [shape = cloud]; queue [shape = roundedbox];\n"
        '  "a node" -> db;\n'
        "}"
    )
    assert [(p.name, p.label, p.kind) for p in found.participants] == [
        ("user", "The user", "actor"),
        ("db", "db", "database"),
        ("web", "web", "cloud"),
        ("queue", "queue", "participant"),
        ("a node", "a node", "participant"),
    ]


def test_a_node_attribute_after_the_edges_still_applies():
    found = diagram('{ A -> B; B [label = "Bee"]; }')
    assert [p.label for p in found.participants] == ["A", "Bee"]


# -- edges ----------------------------------------------------------------------


def test_every_edge_operator():
    found = diagram(
        "{ activation = none;\n"
        "A -> B; A --> B; A ->> B; A -->> B;\n"
        "A <- B; A <-- B; A <<- B; A <<-- B; }"
    )
    assert [(m.source, m.target, str(m.arrow)) for m in messages(found)] == [
        ("A", "B", "->"),
        ("A", "B", "-->"),
        ("A", "B", "->>"),
        ("A", "B", "-->>"),
        ("B", "A", "->"),
        ("B", "A", "-->"),
        ("B", "A", "->>"),
        ("B", "A", "-->>"),
    ]


def test_a_call_with_return_nests_its_block_between_call_and_return():
    found = diagram(
        "{\n"
        '  A => B [label = "call", return = "done"] {\n'
        '    B => C [label = "inner"];\n'
        "  }\n"
        "}"
    )
    assert arrows(found) == [
        ("A", "B", "call", "->", True, False),
        ("B", "C", "inner", "->", True, False),
        ("C", "B", "", "-->", False, True),
        ("B", "A", "done", "-->", False, True),
    ]
    # seqdiag starts the first sender active; every bar ends at the last step.
    activations = [i for i in found.items if isinstance(i, Activation)]
    assert [(a.action, a.participant) for a in activations] == [
        ("activate", "A"),
        ("deactivate", "A"),
    ]


def test_a_chain_goes_forward_then_returns_in_reverse():
    found = diagram("{ activation = none; A => B -> C => D; }")
    assert [(m.source, m.target) for m in messages(found)] == [
        ("A", "B"),
        ("B", "C"),
        ("C", "D"),
        ("D", "C"),
        ("B", "A"),
    ]


def test_edge_attributes():
    found, infos = parse(
        "{\n"
        '  A -> B [label = "l", note = "right", leftnote = "left"];\n'
        "  A -> B [failed, diagonal, color = red];\n"
        "  A -> B [style = dashed, rightnote = r];\n"
        "}"
    )
    first, failed, dashed = messages(found)
    assert (first.text, failed.activate, str(dashed.arrow)) == ("l", False, "-->")
    row = next(i for i in found.items if isinstance(i, Parallel))
    assert [(n.position, n.participants, n.text) for n in row.items[1:]] == [
        ("right", ("B",), "right"),
        ("left", ("A",), "left"),
    ]
    assert [(i.line, i.message) for i in infos] == [
        (3, "failed: drawn as an ordinary message.")
    ]


def test_a_self_message_does_not_activate():
    assert arrows(diagram("{ A -> A; }")) == [("A", "A", "", "->", False, False)]


def test_a_return_from_a_node_that_is_not_active_does_not_deactivate():
    assert arrows(diagram("{ A -> B; C <- D; }"))[1][5] is False


# -- separators, fragments, groups ------------------------------------------------


def test_separators_span_every_participant():
    found = diagram("{\n A -> B;\n === Phase two ===\n ... a while ...\n B -> C;\n}")
    notes = [i for i in found.walk() if isinstance(i, Note)]
    assert [(n.line, n.shape, n.participants, n.text) for n in notes] == [
        (3, "state", ("A", "C"), "Phase two"),
        (4, "note", ("A", "C"), "a while"),
    ]


def test_alt_and_loop_nest_with_labels():
    found = diagram(
        "{\n"
        "  loop {\n"
        '    alt "cached" { A -> B; }\n'
        "    alt { label = miss; A -> C; }\n"
        "  }\n"
        "}"
    )
    (loop,) = [i for i in found.items if isinstance(i, Group)]
    inner = loop.sections[0].items
    assert (loop.keyword, loop.label) == ("loop", "")
    assert [(g.keyword, g.label) for g in inner] == [("alt", "cached"), ("alt", "miss")]


def test_nesting_is_bounded():
    deep = "{" + "alt {" * (MAX_DEPTH + 1) + "A -> B;" + "}" * (MAX_DEPTH + 2)
    with pytest.raises(WSDSyntaxError, match=f"more than {MAX_DEPTH} deep"):
        parse(deep)
    ok = "{" + "alt {" * MAX_DEPTH + "A -> B;" + "}" * (MAX_DEPTH + 1)
    assert len(messages(diagram(ok))) == 1


def test_a_group_keeps_its_nodes_together_and_says_the_box_is_not_drawn():
    found, infos = parse("{\n group { A; C; color = red; }\n A -> B;\n C -> B;\n}")
    assert [p.name for p in found.participants] == ["A", "C", "B"]
    assert [i.line for i in infos] == [2]


# -- diagram attributes, classes, plugins ----------------------------------------------


def test_activation_none_and_autonumber_apply_wherever_written():
    found = diagram("{ A => B; A -> B; activation = none; autonumber = true; }")
    assert [(m.number, m.activate, m.deactivate) for m in messages(found)] == [
        (1, False, False),
        (2, False, False),
        (3, False, False),
    ]
    assert not any(isinstance(i, Activation) for i in found.items)


def test_cosmetic_attributes_are_accepted_silently():
    diagram(
        "{ edge_length = 300; span_height = 10; default_note_color = lightblue;\n"
        "  default_fontsize = 14; default_fontfamily = serif; A -> B; }"
    )


def test_default_shape():
    found = diagram("{ default_shape = actor; A -> B; }")
    assert {p.kind for p in found.participants} == {"actor"}


def test_unknown_attributes_are_located_infos_never_errors():
    found, infos = parse(
        "{\n  sparkle = yes;\n  A [glow = 1];\n  A -> B [wobble];\n  plugin unheard;\n}"
    )
    assert [m.source for m in messages(found)] == ["A"]
    assert [i.line for i in infos] == [5, 2, 3, 4]
    assert "sparkle" in infos[1].message


def test_classes_apply_their_attributes():
    found = diagram(
        "{\n"
        '  class emphasis [label = "Important", shape = actor];\n'
        '  class reply [style = dashed, label = "ok"];\n'
        "  A [class = emphasis];\n"
        "  A -> B [class = reply];\n"
        "}"
    )
    assert (found.participants[0].label, found.participants[0].kind) == (
        "Important",
        "actor",
    )
    assert arrows(found)[0][2:4] == ("ok", "-->")


def test_an_unknown_class_is_a_located_error():
    with pytest.raises(WSDSyntaxError, match="Line 3: Unknown class 'nope'"):
        parse("{\n A -> B;\n B -> C [class = nope];\n}")


def test_plugin_autoclass_and_attributes():
    found = diagram(
        "{\n"
        "  plugin autoclass;\n"
        "  plugin attributes [owner = Owner];\n"
        "  class actor [shape = actor];\n"
        "  user_actor -> server [label = hi];\n"
        "  server [owner = ops];\n"
        "}"
    )
    user = found.participants[0]
    assert (user.name, user.label, user.kind) == ("user_actor", "user", "actor")


# -- strings ---------------------------------------------------------------------


def test_strings_single_double_triple_and_line_breaks():
    found = diagram(
        "{\n"
        "  A -> B [label = 'single \\' quote'];\n"
        '  A -> B [label = "two\\nlines"];\n'
        '  A -> B [label = """over\n'
        'two lines"""];\n'
        "  A -> B;\n"
        "}"
    )
    assert [(m.line, m.text) for m in messages(found)] == [
        (2, "single ' quote"),
        (3, "two\nlines"),
        (4, "over\ntwo lines"),
        (6, ""),
    ]


def test_a_reference_comment_links_the_steps_below_it():
    found = diagram(
        "{\n  # nova/compute/api.py API.pause()\n  A -> B;\n"
        "  # nova/compute/rpcapi.py ComputeAPI.pause_instance()\n  B ->> C;\n}"
    )
    assert [str(m.ref) for m in messages(found)] == [
        "nova/compute/api.py API.pause()",
        "nova/compute/rpcapi.py ComputeAPI.pause_instance()",
    ]


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("{\n  A -> B\n", 3, "'}' expected, the end of the text found"),
        ("{\n  A->B;\n}", 2, "write spaces around arrows"),
        ("{\n A -> B;\n /* never closed\n}", 3, "unclosed comment"),
        ('{\n A -> B [label = "open\n}\n', 2, "unexpected '\"'"),
        ("{ A -> B; }\nmore", 2, "the end of the text expected"),
        ("{\n A -> B [label = ];\n}", 2, "a name expected, ']' found"),
        ("{\n A -> ;\n}", 2, "a name expected, ';' found"),
        ('{\n A -> B [label = """x\ny"""]\n C -> ;\n}', 4, "a name expected"),
        ("{\n A -> B [label = x,];\n}", 2, "a name expected"),
        ("\n\n", 3, "'{' expected"),
    ],
)
def test_syntax_errors_are_located(text, line, words):
    with pytest.raises(WSDSyntaxError) as caught:
        parse(text)
    assert caught.value.line == line
    assert words in caught.value.message


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["{", "}", "A", "->", "=>", "<<--", "[", "]", "=", ",", ";", "label",
             '"x"', "alt", "loop", "group", "class", "plugin", "=== s ===",
             "... d ...", "\n", "/*", "*/", "#", "'", "activation", "none"]
        )
        | st.text(max_size=5),
        max_size=40,
    )
)  # fmt: skip
def test_random_input_only_raises_located_syntax_errors(tokens):
    text = " ".join(tokens)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    try:
        found, _ = parse(text)
    except WSDSyntaxError as exc:
        assert 1 <= exc.line <= lines
    else:
        assert wsd.parse(to_wsd(found)).steps() is not None


# -- back out as WSD ---------------------------------------------------------------

EVERYTHING = """\
seqdiag {
  autonumber = true;
  default_note_color = lightblue;
  class warm [color = orange];
  user [label = "The\\nuser", shape = actor];
  "nova api" [class = warm];
  # nova/compute/api.py API.pause()
  user => "nova api" [label = "POST /servers/{id}/action: pause", return = "202"] {
    "nova api" ->> compute [label = "pause_instance", note = "a cast"];
    === on the host ===
    compute -> compute [label = "libvirt: suspend"];
    ... later ...
  }
  loop { compute --> conductor [leftnote = "state"]; }
  alt { conductor <-- db; }
  db <<-- compute;
}
"""


def test_converted_wsd_parses_back_to_the_same_diagram():
    found = diagram(EVERYTHING)
    again = wsd.parse(to_wsd(found))
    assert again.warnings == []
    assert [p.label for p in again.participants] == [
        p.label for p in found.participants
    ]
    assert [p.kind for p in again.participants] == [p.kind for p in found.participants]

    def shape(d):
        names = {p.name: p.label for p in d.participants}
        rows = []
        for item in d.walk():
            if isinstance(item, Message):
                rows.append(
                    (names[item.source], names[item.target], item.text,
                     str(item.arrow), item.activate, item.deactivate, item.number,
                     str(item.ref))
                )  # fmt: skip
            elif isinstance(item, Note):
                labels = tuple(names[n] for n in item.participants)
                rows.append((item.position, labels, item.text, item.shape))
            else:
                rows.append(type(item).__name__)
        return rows

    assert shape(again) == shape(found)


def test_oswsd_convert_writes_wsd_that_validates(tmp_path, capsys):
    source = tmp_path / "pause.diag"
    source.write_text(EVERYTHING + "\n", encoding="utf-8")
    out = tmp_path / "pause.wsd"
    assert main(["convert", str(source), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0
    steps = len(diagram(EVERYTHING).steps())
    assert capsys.readouterr() == (f"{out}: ok ({steps} steps)\n", "")


def test_oswsd_convert_reports_infos_and_errors_at_their_lines(tmp_path, capsys):
    source = tmp_path / "x.diag"
    source.write_text("{\n  A -> B [shine];\n}\n")
    assert main(["convert", str(source)]) == 0
    out, err = capsys.readouterr()
    assert err == f"{source}:2: info: unknown edge attribute 'shine' ignored.\n"
    assert "A->+B" in out
    source.write_text("{\n  A -> B\n  -> ;\n}\n")
    assert main(["convert", str(source)]) == 1
    assert capsys.readouterr().err.startswith(f"{source}:3: error: Syntax error")

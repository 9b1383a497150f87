"""The offline renderer's layout and text measurement."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from render_support import (
    WORKFLOWS,
    collisions,
    every_construct,
    text_collisions,
    workflow_ids,
)

from sphinxcontrib_oswsd.render import text as metrics
from sphinxcontrib_oswsd.render.fonts import font_for
from sphinxcontrib_oswsd.render.layout import (
    BAR_STEP,
    Layout,
    Path,
    Rect,
    Text,
    layout,
)
from sphinxcontrib_oswsd.wsd.model import Diagram, Message, Participant
from sphinxcontrib_oswsd.wsd.parser import parse


def draw(source: str) -> Layout:
    return layout(parse(source))


def shapes(drawn: Layout, kind: str, role: str | None = None) -> list:
    return [
        shape
        for element in drawn.elements
        if element.kind == kind
        for shape in element.shapes
        if role is None or shape.role == role
    ]


def text(drawn: Layout, content: str) -> Text:
    (found,) = [t for t in drawn.texts() if t.text == content]
    return found


def lifeline_x(drawn: Layout) -> list[float]:
    return [e.shapes[0].points[0][0] for e in drawn.elements if e.kind == "lifeline"]


def arrow_y(drawn: Layout, line: int) -> float:
    (element,) = [e for e in drawn.elements if e.kind == "message" and e.line == line]
    return element.shapes[0].points[-1][1]


# -- text measurement ----------------------------------------------------------


def test_helvetica_widths_are_the_afm_ones():
    # Adobe's Helvetica AFM: W is 944, i 222, space 278; bold m 889; é 556.
    assert metrics.advance("W") == 944
    assert metrics.advance("i") == 222
    assert metrics.advance(" ") == 278
    assert metrics.advance("m", bold=True) == 889
    assert metrics.advance("é") == 556
    assert metrics.text_width("Wi", size=10) == pytest.approx(11.66)


def test_other_characters_take_the_width_of_the_font_that_draws_them():
    for char in "Ж中→":
        font = font_for(char)
        wide = 1000 if char == "中" else 600  # without a font: one em, an average
        assert metrics.advance(char) == (font.advance(char) if font else wide)
    assert metrics.advance("\u0301") == 0  # a combining accent


def test_characters_no_font_has_take_an_average_width():
    linear_a = "\U00010600"
    if font_for(linear_a) is not None:
        pytest.skip("an installed font has Linear A")
    assert metrics.advance(linear_a) == 600


def test_wrap_keeps_lines_within_the_width_and_breaks_at_newlines():
    lines = metrics.wrap("one two three four five six seven\nafter", 60)
    assert lines[-1] == "after"
    assert all(metrics.text_width(line) <= 60 for line in lines)
    assert " ".join(lines[:-1]) == "one two three four five six seven"


def test_wrap_breaks_long_names_after_dots_and_cjk_anywhere():
    lines = metrics.wrap("nova.compute.manager.ComputeManager.pause_instance", 130)
    assert "".join(lines) == "nova.compute.manager.ComputeManager.pause_instance"
    assert all(line.endswith((".", "_")) for line in lines[:-1])
    cjk = metrics.wrap("中" * 30, 100)
    assert len(cjk) > 1 and all(metrics.text_width(line) <= 100 for line in cjk)


def test_wrap_balances_the_lines_and_leaves_no_word_alone_at_the_end():
    text = "one two three four five six seven eight nine ten eleven twelve"
    lines = metrics.wrap(text, 260)
    assert len(lines) == 2 and " ".join(lines) == text
    widths = [metrics.text_width(line) for line in lines]
    assert max(widths) - min(widths) < metrics.text_width("seven ")
    # Greedy filling would leave "instance" alone on the last line.
    lines = metrics.wrap(
        "nova-compute asks placement for the allocations of the instance", 250
    )
    assert " " in lines[-1]
    assert all(metrics.text_width(line) <= 250 for line in lines)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "go", "reply", "instance", "POST", "/v2.1/servers",
                              "task_state", "nova.compute.manager"]), min_size=3,
             max_size=30),
    st.floats(120, 400),
)  # fmt: skip
def test_wrapped_lines_fit_and_end_with_two_words(words, width):
    lines = metrics.wrap(" ".join(words), width)
    assert all(metrics.text_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == "".join(words)
    # A word is left alone on the last line only if no other can join it.
    if len(lines) > 1 and lines[-1] in words and " " in lines[-2]:
        kept = lines[-2].rpartition(" ")[2]
        assert metrics.text_width(f"{kept} {lines[-1]}") > width, lines


# -- the width budget ------------------------------------------------------------

WIDE = (
    "participant A\nparticipant B\nparticipant C\n"
    "A->B: a message label long enough to spread the participants far apart\n"
    "note over C: a note about what happens next, which also takes some room\n"
    "alt a guard that is long as well, longer than most\nB->C: x\nend"
)


def test_a_budget_wraps_labels_to_fit():
    natural = draw(WIDE)
    fitted = layout(parse(WIDE), max_width=450)
    assert natural.width > 600
    assert fitted.width <= 450
    assert len(list(fitted.texts())) > len(list(natural.texts()))  # more lines
    assert collisions(fitted, parse(WIDE)) == []


def test_a_diagram_within_its_budget_is_drawn_as_without_one():
    natural = draw(WIDE)
    assert layout(parse(WIDE), max_width=natural.width) == natural
    assert layout(parse(WIDE), max_width=None) == natural


def test_a_diagram_that_cannot_fit_gets_its_narrowest_layout():
    names = "\n".join(f"participant P{i}" for i in range(12))
    source = f"{names}\nP0->P11: a label that is long enough to wrap more than once"
    natural = draw(source)
    fitted = layout(parse(source), max_width=300)
    assert 300 < fitted.width < natural.width
    assert fitted.width <= layout(parse(source), max_width=600).width


# -- horizontal placement ------------------------------------------------------


def test_participants_in_order_with_heads_top_and_bottom():
    drawn = draw("participant B\nparticipant A\nB->A: x\nA->C: y")
    xs = lifeline_x(drawn)
    assert xs == sorted(xs) and len(xs) == 3
    heads = [t.text for t in drawn.texts() if t.role == "head-text"]
    assert heads == ["B", "A", "C", "B", "A", "C"]


def test_footer_none_leaves_out_the_bottom_heads():
    drawn = draw("option footer=none\nA->B: x")
    assert [t.text for t in drawn.texts() if t.role == "head-text"] == ["A", "B"]


def test_a_long_label_between_far_participants_pushes_them_apart():
    label = "a label long enough to need more room than the heads give"
    drawn = draw(f"participant A\nparticipant B\nparticipant C\nA->C: {label}")
    xs = lifeline_x(drawn)
    assert xs[2] - xs[0] >= metrics.text_width(label) + 20
    assert xs[1] - xs[0] < xs[2] - xs[1]  # relaxed left to right: B stays close


def test_self_message_label_keeps_clear_of_the_next_lifeline():
    drawn = draw("A->A: talking to myself for quite a while\nA->B: x")
    label = text(drawn, "talking to myself for quite a while")
    assert label.x + label.width < lifeline_x(drawn)[1]


def test_notes_left_and_right_stay_between_neighbours():
    drawn = draw(
        "participant A\nparticipant B\nparticipant C\n"
        "note left of B: on the left side\nnote right of B: on the right side"
    )
    xs = lifeline_x(drawn)
    left, right = (e.bounds for e in drawn.elements if e.kind == "note")
    assert xs[0] < left[0] and left[2] < xs[1]
    assert xs[1] < right[0] and right[2] < xs[2]


# -- vertical placement --------------------------------------------------------


def test_activation_bars_nest_with_an_offset_and_attach_to_the_message():
    drawn = draw("A->B: go\nactivate B\nB->B: again\nactivate B\nB->A: back\n")
    bars = sorted(shapes(drawn, "activation"), key=lambda bar: bar.x)
    assert len(bars) == 2
    assert bars[1].x - bars[0].x == pytest.approx(BAR_STEP)
    assert bars[0].y == pytest.approx(arrow_y(drawn, 1))
    # A bar left open runs to the end of its lifeline.
    assert bars[0].y + bars[0].h > arrow_y(drawn, 5)


def test_shorthand_activation_and_arrow_ends_at_the_bar():
    drawn = draw("A->+B: call\nB-->-A: reply")
    (bar,) = shapes(drawn, "activation")
    assert bar.y == pytest.approx(arrow_y(drawn, 1))
    assert bar.y + bar.h == pytest.approx(arrow_y(drawn, 2))
    call = next(e for e in drawn.elements if e.kind == "message").shapes[0]
    assert call.points[-1][0] == pytest.approx(bar.x)  # stops at the bar's edge


def test_created_participant_head_is_drawn_at_the_message():
    drawn = draw("A->B: x\nA->*C: make\nC->A: made")
    heads = [t for t in drawn.texts() if t.text == "C"]
    assert len(heads) == 2  # at the message and in the footer, not at the top
    assert heads[0].y > next(t for t in drawn.texts() if t.text == "A").y
    y = arrow_y(drawn, 2)
    head_boxes = [
        s
        for e in drawn.elements
        if e.kind == "participant"
        for s in e.shapes
        if isinstance(s, Rect) and s.y < y < s.y + s.h
    ]
    assert len(head_boxes) == 1


def test_destroy_ends_the_lifeline_with_a_cross():
    drawn = draw("A->B: x\ndestroy B\nA->A: later")
    lifeline = [e for e in drawn.elements if e.kind == "lifeline"][1].shapes[0]
    assert lifeline.points[-1][1] == pytest.approx(arrow_y(drawn, 1))
    assert len(shapes(drawn, "destroy")) == 2
    assert [t.text for t in drawn.texts() if t.text == "B"] == ["B"]  # no footer


def test_parallel_items_share_one_slot():
    drawn = draw("participant A\nparticipant B\nparticipant C\nparallel {\nA->B: one\n"
                 "note right of C: two\n}\nA->C: after")  # fmt: skip
    one, two = text(drawn, "one"), text(drawn, "two")
    assert abs(one.y - two.y) < 20
    assert text(drawn, "after").y > max(one.y, two.y) + 10


def test_groups_nest_with_growing_margins_and_else_separators():
    drawn = draw(
        "alt outer\nA->B: x\nloop inner\nA->B: y\nend\nelse other\nB->A: z\nend"
    )
    frames = [s for s in shapes(drawn, "group", "group") if isinstance(s, Rect)]
    inner, outer = sorted(frames, key=lambda r: r.w)
    assert outer.x < inner.x and inner.x + inner.w < outer.x + outer.w
    assert outer.y < inner.y and inner.y + inner.h < outer.y + outer.h
    (separator,) = shapes(drawn, "group", "separator")
    assert separator.dashed
    assert inner.y + inner.h < separator.points[0][1] < text(drawn, "z").y
    labels = {t.text for t in drawn.texts() if t.role == "group-text"}
    assert {"alt", "outer", "loop", "inner", "other"} <= labels


def test_single_line_notes_wrap_and_block_notes_keep_their_lines():
    long = "word " * 40
    drawn = draw(f"note over A: {long}\nnote over A\n  first\n  second line\nend note")
    wrapped = [t for t in drawn.texts() if t.text.startswith("word")]
    assert len(wrapped) > 2
    assert [
        t.text for t in drawn.texts() if "first" in t.text or "second" in t.text
    ] == [
        "first",
        "second line",
    ]


def test_state_and_ref_shapes():
    drawn = draw("state over A: s\nref over A,B: r")
    state, ref = [e for e in drawn.elements if e.kind == "note"]
    assert any(isinstance(s, Rect) and s.radius > 0 for s in state.shapes)
    assert any(isinstance(s, Path) and s.role == "ref-tab" for s in ref.shapes)
    assert "ref" in [s.text for s in ref.shapes if isinstance(s, Text)]


def test_autonumber_prefixes_message_text():
    drawn = draw("autonumber 3\nA->B: first\nB->A: second")
    assert {"3. first", "4. second"} <= {t.text for t in drawn.texts()}


def test_steps_keep_their_source_elements():
    diagram = every_construct()
    drawn = layout(diagram)
    assert [e.step for e in drawn.steps()] == diagram.steps()
    assert all(e.line == e.step.line for e in drawn.steps())


def test_a_diagram_built_from_the_model_directly():
    diagram = Diagram(
        participants=[Participant("a", "Alpha"), Participant("b", "Beta")],
        items=[Message(1, "a", "b", "hello")],
    )
    drawn = layout(diagram)
    assert drawn.participants == 2 and drawn.width > 0 and drawn.height > 0
    assert text(drawn, "hello")


def test_an_empty_diagram_lays_out():
    drawn = layout(Diagram())
    assert drawn.width > 0 and drawn.height > 0


# -- no text collides ----------------------------------------------------------


def test_the_collision_check_catches_collisions():
    drawn = draw("A->B: one\nA->B: two")
    one = text(drawn, "one")
    for element in drawn.elements:
        element.shapes = [
            dataclasses.replace(s, y=one.y + 3) if s is text(drawn, "two") else s
            for s in element.shapes
        ]
    assert any("overlaps" in problem for problem in text_collisions(drawn))


@pytest.mark.parametrize(
    ("source", "kind", "role", "expected"),
    [
        # A note over B, and a label from A to C, over A's or B's bar.
        ("activate A\nA->B: x\nnote over B: a note", "note", "note", "the note"),
        ("activate B\nA->B: x\nA->C: passing over", "message", "text", "'passing"),
        # A group's tab over the bar of the participant it starts at.
        ("activate A\nA->B: x\nopt o\nA->B: y\nend", "group", "group-tab", "tab"),
    ],
)
def test_the_collision_check_catches_things_on_bars(source, kind, role, expected):
    diagram = parse(source)
    drawn = layout(diagram)
    assert collisions(drawn, diagram) == []
    (bar,) = shapes(drawn, "activation")
    element = [e for e in drawn.elements if e.kind == kind][-1]
    part = next(s for s in element.shapes if s.role == role)
    x0, _, x1, _ = part.bounds
    dx = bar.x + bar.w / 2 - (x0 + x1) / 2
    element.shapes = [shape.moved(dx) for shape in element.shapes]
    found = collisions(drawn, diagram)
    assert any(expected in problem and "on a bar" in problem for problem in found)


def test_a_group_frames_a_message_to_oneself_pushed_right_by_its_bars():
    # Bars opened after a message to oneself move its loop and label right;
    # the group's frame follows them (hypothesis found "2." over the edge).
    source = "autonumber\nA->A: x\nalt\nB->B: y\nactivate B\nactivate B\nend"
    diagram = parse(source)
    for budget in (None, 200.0):
        assert collisions(layout(diagram, max_width=budget), diagram) == []


def test_a_bar_opened_after_a_parallel_row_keeps_off_its_note():
    # "activate C" after a row holding a note beside C and a message that is
    # not C's: the bar starts below the row (hypothesis found the note on it).
    source = "A->A: x\nA->B: y\nparallel {\nnote left of C: n\nA->A: z\n}\nactivate C"
    # and a bar closed inside a row: what follows it goes below
    closed = "A->+C: x\nparallel {\nA->A: y\ndeactivate C\nnote left of C: n\n}"
    # and a bar opened inside a row, after a message across C and a short
    # note elsewhere: it starts below the message, not below the note
    opened = (
        "autonumber\nA->B: \nA->C: \nparallel {\nB->D: x x\nnote left of A: \n"
        "activate C\n}"
    )
    for diagram in (parse(source), parse(closed), parse(opened)):
        for budget in (None, 200.0):
            assert collisions(layout(diagram, max_width=budget), diagram) == []


def test_the_collision_check_wants_a_margin_above_the_footer():
    diagram = parse("A->B: x")
    drawn = layout(diagram)
    assert collisions(drawn, diagram) == []
    for element in drawn.elements:
        if element.kind == "message":
            element.shapes = [
                dataclasses.replace(s, y=s.y + 20)
                if isinstance(s, Text)
                else s.moved(0)
                for s in element.shapes
            ]
    assert any("above the footer" in p for p in collisions(drawn, diagram))


def test_nothing_collides_in_the_every_construct_diagram():
    diagram = every_construct()
    assert collisions(layout(diagram), diagram) == []
    assert collisions(layout(diagram, max_width=500), diagram) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=workflow_ids())
def test_nothing_collides_in_a_bundled_workflow(path):
    diagram = parse(path.read_text(encoding="utf-8"))
    assert collisions(layout(diagram), diagram) == []
    assert collisions(layout(diagram, max_width=900), diagram) == []


@pytest.mark.parametrize(
    "source",
    [
        "A->B: " + "very long message " * 12,
        "note over A,B: " + "long note text " * 30,
        "A->A: " + "self " * 40 + "\nA->B: x",
        "note left of A: " + "left " * 30 + "\nnote right of B: " + "right " * 30,
        "alt " + "guard " * 30 + "\nA->B: x\nelse " + "other " * 30 + "\nend",
        "participant " + "Head " * 12 + "as H\nH->B: x",
        "A->*A: nobody creates itself",
        "A->B: x\nparallel {\nA->*D: make\nnote right of D: beside the new head\n}",
        "parallel {\nA->A: one\nA->A: two\nnote over A: three\n}",
    ],
)
def test_nothing_collides_with_long_labels(source):
    assert collisions(draw(source), parse(source)) == []
    assert collisions(layout(parse(source), max_width=400), parse(source)) == []


# -- random diagrams -----------------------------------------------------------

NAMES = ("A", "B", "Cee", "Delta node", "E")
WORDS = st.sampled_from(
    ["x", "go", "reply", "POST /v2.1/servers", "instance.save()", "中文", "é", "a" * 30]
)
LABELS = st.lists(WORDS, min_size=0, max_size=8).map(" ".join)
NAME = st.sampled_from(NAMES)


@st.composite
def statements(draw_, depth: int = 0) -> list[str]:
    kinds = ["message", "message", "note", "activation", "group", "parallel"]
    kind = draw_(st.sampled_from(kinds))
    if kind == "message":
        arrow = draw_(st.sampled_from(["->", "->>", "-->", "-->>", "<->", "<-->"]))
        flag = draw_(st.sampled_from(["", "", "+", "-", "*"]))
        return [f"{draw_(NAME)}{arrow}{flag}{draw_(NAME)}: {draw_(LABELS)}"]
    if kind == "note":
        where = draw_(st.sampled_from(["over", "left of", "right of"]))
        names = draw_(st.lists(NAME, min_size=1, max_size=2 if where == "over" else 1))
        shape = draw_(st.sampled_from(["note", "state", "ref"]))
        return [f"{shape} {where} {','.join(names)}: {draw_(LABELS)}"]
    if kind == "activation":
        action = draw_(st.sampled_from(["activate", "deactivate", "destroy"]))
        return [f"{action} {draw_(NAME)}"]
    if depth >= 2:
        return []
    if kind == "parallel":
        inner = [draw_(statements(2)) for _ in range(draw_(st.integers(1, 3)))]
        return ["parallel {", *(line for block in inner for line in block), "}"]
    keyword = draw_(st.sampled_from(["alt", "opt", "loop"]))
    lines = [f"{keyword} {draw_(LABELS)}"]
    for i in range(draw_(st.integers(1, 2))):
        if i:
            lines.append(f"else {draw_(LABELS)}")
        for _ in range(draw_(st.integers(0, 3))):
            lines += draw_(statements(depth + 1))
    return [*lines, "end"]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(statements(), min_size=1, max_size=12),
    st.one_of(st.none(), st.floats(200, 1200)),
)
def test_nothing_collides_in_random_diagrams(blocks, budget):
    source = "autonumber\n" + "\n".join(line for block in blocks for line in block)
    diagram = parse(source)
    drawn = layout(diagram, max_width=budget)
    assert collisions(drawn, diagram) == [], source
    if budget is not None:
        natural = layout(diagram)
        assert drawn.width <= max(budget, natural.width) + 0.01


@pytest.mark.parametrize("name", ["nova/boot", "nova/live-migrate"])
def test_the_widest_workflows_read_well_under_the_default_budget(name):
    """What a reader of the two widest workflows gets in a 900 px column:
    about half as wide, text at full size, labels of a few full lines, not
    much taller."""
    path = next(p for p in WORKFLOWS if f"{p.parent.name}/{p.stem}" == name)
    diagram = parse(path.read_text(encoding="utf-8"))
    natural, fitted = layout(diagram), layout(diagram, max_width=900)
    assert fitted.width <= 0.65 * natural.width
    assert fitted.height <= 1.35 * natural.height
    assert min(t.size for t in fitted.texts()) == metrics.FONT_SIZE
    for element in fitted.elements:
        lines = [s for s in element.shapes if isinstance(s, Text)]
        if element.kind == "message":
            assert len(lines) <= 3, [t.text for t in lines]
        words = " ".join(t.text for t in lines).split()
        wrapped = element.kind in ("message", "note") and len(lines) > 1
        if wrapped and len(words) >= 3:
            # Wrapped labels of three words or more read as a block: no
            # line is a stray word much shorter than the others.
            widths = [t.width for t in lines]
            assert min(widths) >= 0.25 * max(widths), [t.text for t in lines]

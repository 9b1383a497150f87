"""Claims: the checkable facts a workflow states, and their verification.

A claim is a fixed phrase in a message label, a note or a group label (the
vocabulary is in ``docs/writing-workflows.rst``). Each is checked against the
facts in the index of the release the step's reference points into
(:mod:`sphinxcontrib_oswsd.sources.facts`): the referenced RPC client method
casts or calls that method; the policy rule exists with that default; the
state value belongs to the field's vocabulary; the project emits the
notification; the option exists in that group with that default; the
referenced API method answers with that success code.

Sphinx-free: ``oswsd check`` and the directive share it.
"""

from __future__ import annotations

import difflib
import http
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sphinxcontrib_oswsd.sources import Resolver, SourceIndex, repository_for
from sphinxcontrib_oswsd.wsd.model import Diagram, Group, Message, Note, SourceRef

KINDS = ("rpc", "policy", "state", "notification", "option", "http")

#: The state fields a claim may name, longest first so ``attachment status``
#: is not read as ``status``.
STATE_FIELDS = (
    "attachment status",
    "snapshot status",
    "backup status",
    "task status",
    "migration_status",
    "attach_status",
    "power_state",
    "task_state",
    "vm_state",
    "status",
)

_RPC = re.compile(r"(?P<method>[a-z_][a-z0-9_]*) \((?P<kind>fanout cast|cast|call)\)")
_POLICY = re.compile(
    r"\bpolicy (?P<rule>[A-Za-z0-9_][\w:./-]*?[\w-])"
    r"(?:\s*\(default: (?P<phrase>[^)]+)\))?(?=[\s,;)]|$)"
)
_STATE = re.compile(
    r"(?<![\w.])(?P<field>" + "|".join(STATE_FIELDS) + r") = (?P<value>[A-Za-z_][\w-]*)"
)
_NOTIFICATION = re.compile(  # may wrap onto the next line of a note
    r"\b(?:(?P<sort>legacy|versioned)\s+)?notification"
    r"\s+(?P<event>[A-Za-z][\w-]*(?:\.[\w-]+)+)"
)
_OPTION = re.compile(
    r"\[(?P<group>[\w-]+)\](?P<name>\w[\w-]*) \(default:? (?P<default>[^)]*)\)"
)
_HTTP = re.compile(r"(?P<code>[1-5]\d\d) (?P<reason>[A-Z][A-Za-z-]*(?: [A-Z-][\w-]*)*)")


@dataclass(frozen=True)
class Claim:
    """One checkable phrase of a workflow."""

    kind: str
    line: int
    text: str  # the phrase as written
    ref: SourceRef | None
    fields: tuple[tuple[str, str], ...]  # the phrase's parts: ("method", "pause")

    def get(self, name: str) -> str:
        return dict(self.fields).get(name) or ""


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    problem: str | None = None  # None: verified
    checked: bool = True  # False when the index holds no facts to check with

    @property
    def verified(self) -> bool:
        return self.checked and self.problem is None


def claims_of(diagram: Diagram) -> list[Claim]:
    """Every claim in ``diagram``, in source order."""
    found: list[Claim] = []
    for item in diagram.walk():
        if isinstance(item, Message):
            found.extend(_message_claims(item))
        elif isinstance(item, Note):
            found.extend(_text_claims(item.text, item.line, item.ref))
        elif isinstance(item, Group):
            for section in item.sections:
                ref = _first_ref(section.items)
                found.extend(_text_claims(section.label, section.line, ref))
    return found


def _first_ref(items: list) -> SourceRef | None:
    """The reference of a group's first step: a condition in the group's
    label is about the code of the steps it holds (neutron's option in a
    nova workflow)."""
    for item in items:
        if isinstance(item, (Message, Note)):
            return item.ref
        if isinstance(item, Group) and item.sections:
            return _first_ref(item.sections[0].items)
    return None


def _message_claims(message: Message) -> Iterator[Claim]:
    text = " ".join(message.text.split())
    if match := _RPC.fullmatch(text):
        yield _claim("rpc", message.line, match, message.ref)
    elif (match := _HTTP.match(text)) and message.arrow.dashed:
        yield _claim("http", message.line, match, message.ref)
    yield from _text_claims(message.text, message.line, message.ref)


def _text_claims(text: str, line: int, ref: SourceRef | None) -> Iterator[Claim]:
    matches = [
        (match.start(), kind, match)
        for kind, pattern in (
            ("policy", _POLICY),
            ("state", _STATE),
            ("notification", _NOTIFICATION),
            ("option", _OPTION),
        )
        for match in pattern.finditer(text)
        # "policy and ..." is prose, not a rule name
        if kind != "policy" or ":" in match["rule"] or match["phrase"]
    ]
    for _, kind, match in sorted(matches, key=lambda m: m[0]):
        yield _claim(kind, line, match, ref)


def _claim(kind: str, line: int, match: re.Match[str], ref: SourceRef | None) -> Claim:
    fields = tuple(
        (k, " ".join(v.split())) for k, v in match.groupdict().items() if v is not None
    )
    return Claim(kind, line, " ".join(match[0].split()), ref, fields)


# -- verification ---------------------------------------------------------------

#: Libraries whose options every service registers in its own configuration:
#: an option claim in any workflow may name one of theirs.
SHARED_OPTIONS = ("oslo.messaging",)


class ClaimChecker:
    """Verify claims with the facts of the indexes a :class:`Resolver` loads.

    ``project`` is the workflow's own project (or its name, ``nova/pause``),
    whose facts serve when those of the step's reference lack the claim.
    """

    def __init__(self, resolver: Resolver, project: str | None = None) -> None:
        self.resolver = resolver
        self.project = repository_for(project.split("/")[0]) if project else None

    def verify(self, claim: Claim) -> Verdict:
        indexes = self._indexes(claim.ref)
        facts = [(index, index.facts) for index in indexes if index.facts]
        if not facts:
            return Verdict(claim, "no facts in the index to check it with", False)
        if claim.kind == "option":  # [DEFAULT]rpc_response_timeout is everyone's
            shared = (self.resolver.index(name) for name in SHARED_OPTIONS)
            facts += [(i, i.facts) for i in shared if isinstance(i, SourceIndex)]
        check = getattr(self, f"_{claim.kind}")
        problem = check(claim, facts)
        return Verdict(
            claim, f"{claim.kind} {_subject(claim)}: {problem}" if problem else None
        )

    def _indexes(self, ref: SourceRef | None) -> list[SourceIndex]:
        """The index of the reference's project, then the workflow's."""
        names = [repository_for(ref.project)] if ref and ref.project else []
        if self.project and self.project not in names:
            names.append(self.project)
        indexes = [self.resolver.index(name) for name in names]
        return [index for index in indexes if isinstance(index, SourceIndex)]

    # -- one method per kind: None when verified, else why not -------------------

    def _rpc(self, claim: Claim, facts) -> str | None:
        resolution = self.resolver.resolve(claim.ref) if claim.ref else None
        if resolution is None or not resolution.ok:
            return "put the RPC client method's reference above the message"
        index, known = facts[0]
        sends = known.get("rpc", {}).get(resolution.path, {}).get(resolution.qualname)
        where = f"{resolution.qualname}() ({index.project} {index.version})"
        if not sends:
            return f"{where} makes no RPC cast or call; reference the RPC client method"
        method, kind = claim.get("method"), claim.get("kind")
        same = [s for s in sends if s[1] in (method, "*")]  # *: named at run time
        if not same:
            named = ", ".join(f"{s[1]} ({_kind(s)})" for s in sends)
            return f"{where} sends {named}, not {method}"
        if any(_kind(s) == kind for s in same):
            return None
        actual = " or ".join(sorted({_kind(s) for s in same}))
        return f"{where} sends {method} as a {actual}, the diagram says {kind}"

    def _policy(self, claim: Claim, facts) -> str | None:
        rule = claim.get("rule")
        for _, known in facts:
            rules = known.get("policy", {})
            if rule in rules:
                phrase = claim.get("phrase")
                if not phrase:
                    return None
                actual = describe_check(rules[rule], rules)
                if _same_phrase(phrase, actual, rules[rule]):
                    return None
                return f"default is {actual}, the diagram says {phrase}"
        index, known = facts[0]
        return f"no such rule in {index.project} {index.version}" + _close(
            rule, known.get("policy", {})
        )

    def _state(self, claim: Claim, facts) -> str | None:
        state_field, value = claim.get("field"), claim.get("value")
        vocabularies = [
            (index, known["state"][state_field])
            for index, known in facts
            if state_field in known.get("state", {})
        ]
        if not vocabularies:
            projects = ", ".join(index.project for index, _ in facts)
            return f"no known vocabulary for {state_field} in {projects}"
        if value == "None" and state_field == "task_state":
            return None
        wanted = _state_key(value)
        for _, values in vocabularies:
            if wanted in {_state_key(v) for v in values}:
                return None
        index, values = vocabularies[0]
        return f"{value} is not a {state_field} of {index.project} {index.version}" + (
            _close(value, values)
        )

    def _notification(self, claim: Claim, facts) -> str | None:
        event, sort = claim.get("event"), claim.get("sort")
        sorts = [sort] if sort else ["legacy", "versioned"]
        for _, known in facts:
            emitted = _by_sort(known)
            if any(_emits(emitted[s], event) for s in sorts):
                return None
            if any(_emits(events, event) for events in emitted.values()):
                other = "versioned" if sort == "legacy" else "legacy"
                return f"it is a {other} notification, the diagram says {sort}"
        index, known = facts[0]
        every = {e for events in _by_sort(known).values() for e in events}
        return f"{index.project} {index.version} emits no such notification" + _close(
            event, sorted(every)
        )

    def _option(self, claim: Claim, facts) -> str | None:
        group, name, default = (claim.get(k) for k in ("group", "name", "default"))
        for _, known in facts:
            options = known.get("option", {})
            actual = options.get(group, {}).get(name)
            if actual is None:
                actual = options.get("?", {}).get(name)  # group not found statically
            if actual is None:
                continue
            if _same_default(default, actual):
                return None
            return f"default is {actual}, the diagram says {default}"
        index, known = facts[0]
        groups = [g for g, o in known.get("option", {}).items() if name in o]
        where = f"; it is in [{'], ['.join(groups)}]" if groups else ""
        return (
            f"no option {name} in [{group}] of {index.project} {index.version}{where}"
        )

    def _http(self, claim: Claim, facts) -> str | None:
        code = int(claim.get("code"))
        try:
            phrase = http.HTTPStatus(code).phrase
        except ValueError:
            return f"{code} is not an HTTP status code"
        if not claim.get("reason").lower().startswith(phrase.lower()):
            return f"{code} is {phrase}, the diagram says {claim.get('reason')}"
        if not 200 <= code < 300:
            return None  # error replies are conditions, not the success code
        resolution = self.resolver.resolve(claim.ref) if claim.ref else None
        if resolution is None or not resolution.ok:
            return "put the API controller method's reference above the reply"
        index, known = facts[0]
        codes = success_codes(known, resolution.path or "", resolution.qualname or "")
        if not codes and any(d in (resolution.path or "") for d in _CONTROLLER_DIRS):
            codes = [200]  # the WSGI frameworks' default
        where = f"{resolution.qualname}() ({index.project} {index.version})"
        if not codes:
            return f"{where} declares no success code; reference the API method"
        if code in codes:
            return None
        return (
            f"{where} answers {' or '.join(map(str, codes))}, the diagram says {code}"
        )


#: Where API controllers live: a method there that declares no success code
#: answers the framework's default, 200 (neutron's pecan controllers).
_CONTROLLER_DIRS = ("/api/", "/pecan_wsgi/controllers/")


def success_codes(facts: dict, path: str, qualname: str) -> list[int]:
    """The success codes a function declares; a controller method without one
    takes its serializer's (glance: ``ResponseSerializer.create``)."""
    module = facts.get("http", {}).get(path, {})
    if qualname in module:
        return module[qualname]
    method = qualname.rpartition(".")[2]
    return sorted(
        {
            code
            for name, codes in module.items()
            if name.endswith(f"Serializer.{method}")
            for code in codes
        }
    )


def _by_sort(facts: dict) -> dict[str, list[str]]:
    """The notifications of an index by sort; an index built before the
    sorts were told apart has one list, taken as either."""
    found = facts.get("notification", [])
    return found if isinstance(found, dict) else {"legacy": found, "versioned": found}


def _emits(events: list[str], event: str) -> bool:
    """``event`` is one of ``events``, where ``*`` is any one part
    (``*.create.start``: an event type the code builds at run time)."""
    if event in events:
        return True
    parts = event.split(".")
    return any(
        len(pattern.split(".")) == len(parts)
        and all(p in ("*", e) for p, e in zip(pattern.split("."), parts, strict=True))
        for pattern in events
        if "*" in pattern
    )


def _subject(claim: Claim) -> str:
    if claim.kind == "rpc":
        return claim.get("method")
    if claim.kind == "policy":
        return claim.get("rule")
    if claim.kind == "state":
        return f"{claim.get('field')} = {claim.get('value')}"
    if claim.kind == "notification":
        return claim.get("event")
    if claim.kind == "option":
        return f"[{claim.get('group')}]{claim.get('name')}"
    return claim.get("code")


def _kind(send: list) -> str:
    return "fanout cast" if send[0] == "cast" and send[2] else send[0]


def _close(word: str, candidates) -> str:
    close = difflib.get_close_matches(word, list(candidates), 3, 0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _state_key(value: str) -> str:
    return value.lower().replace("-", "_")


def _same_default(written: str, actual: str) -> bool:
    def norm(text: str) -> str:
        text = text.strip().strip("'\"").strip()
        text = re.sub(r"\s*,\s*", ",", text.strip("[]()"))
        return text.lower()

    a, b = norm(written), norm(actual)
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _same_phrase(written: str, actual: str, check: str) -> bool:
    parts = {p.strip().lower() for p in written.split(" or ")}
    if parts == {p.strip().lower() for p in actual.split(" or ")}:
        return True
    return " ".join(written.split()) == check


# -- check strings in words --------------------------------------------------------

_TOKEN = re.compile(r"\(|\)|(?:%\([^)]*\)|[^\s()])+")


def describe_check(check: str, rules: dict[str, str]) -> str:
    """A policy check string in the words diagrams use.

    ``rule:`` references are expanded, the expression is brought into
    or-of-ands form and each alternative named: ``role:admin`` (or
    ``is_admin:True``, with any scope) -> admin; ``role:member and
    project_id:%(project_id)s`` -> project member (reader, manager alike);
    ``role:service`` -> service; a lone ``project_id``/``user_id`` match ->
    owner; ``@`` or an empty string -> any; ``!`` -> nobody. The names are
    joined with "or", admin last: ``project member or admin``. An
    alternative with no name is given as its check string.
    """
    try:
        alternatives = _dnf(_parse(_TOKEN.findall(check), rules, set()))
    except (ValueError, RecursionError):
        return check
    names: list[str] = []
    for atoms in alternatives:
        name = _persona(atoms)
        if name == "any":
            return "any"
        if name not in names:
            names.append(name)
    if not names:
        return "nobody"
    names.sort(key=lambda n: (n == "admin", n))
    return " or ".join(names)


_VISIBILITY = re.compile(r"'(\w+)':%\(visibility\)s")
_FIELD = re.compile(r"field:(\w+):(\w+)=True")


def _persona(atoms: frozenset[str]) -> str:
    """The name of one alternative (an "and" of atoms) of a check string."""
    if "!" in atoms:
        return "nobody"
    if not atoms or atoms <= {"@"}:
        return "any"
    if atoms & {"role:admin", "is_admin:True", "is_admin:1"}:
        return "admin"
    roles = {a.split(":", 1)[1] for a in atoms if a.startswith("role:")}
    kinds = {a.split(":", 1)[0] for a in atoms}
    owned = bool(kinds & {"project_id", "tenant_id", "user_id"}) or any(
        a.startswith("rule:") and a.endswith("owner") for a in atoms
    )
    if len(atoms) == 1 and (match := _FIELD.fullmatch(next(iter(atoms)))):
        return f"{match[2]} {match[1]}"  # field:networks:shared=True -> shared networks
    if len(roles) != 1:
        return "owner" if not roles and owned and len(atoms) == 1 else _raw(atoms)
    (role,) = roles
    visible = [m[1] for a in atoms if (m := _VISIBILITY.fullmatch(a))]
    if visible and len(atoms) == 2:
        return f"{role} of a {visible[0]} image"
    if "system_scope:all" in atoms:
        return f"system {role}"
    if any("domain" in k for k in kinds):
        return f"domain {role}"
    if owned:
        return f"project {role}"
    return role if len(atoms) == 1 else _raw(atoms)


def _raw(atoms: frozenset[str]) -> str:
    return " and ".join(sorted(atoms))


def _parse(tokens: list[str], rules: dict[str, str], busy: set[str]):
    """Tokens -> nested ``("or"|"and", [...])`` / atom strings, rules expanded."""
    position = 0

    def expression():
        nonlocal position
        terms = [conjunction()]
        while position < len(tokens) and tokens[position] == "or":
            position += 1
            terms.append(conjunction())
        return terms[0] if len(terms) == 1 else ("or", terms)

    def conjunction():
        nonlocal position
        factors = [factor()]
        while position < len(tokens) and tokens[position] == "and":
            position += 1
            factors.append(factor())
        return factors[0] if len(factors) == 1 else ("and", factors)

    def factor():
        nonlocal position
        if position >= len(tokens):
            raise ValueError("unexpected end")
        token = tokens[position]
        position += 1
        if token == "(":
            inner = expression()
            if position >= len(tokens) or tokens[position] != ")":
                raise ValueError("unbalanced")
            position += 1
            return inner
        if token == "not":
            return "not " + str(factor())
        if token.startswith("rule:") and token[5:] in rules and token not in busy:
            return _parse(_TOKEN.findall(rules[token[5:]]), rules, busy | {token})
        return token

    if not tokens:
        return ("and", [])
    tree = expression()
    if position != len(tokens):
        raise ValueError("trailing tokens")
    return tree


def _dnf(tree) -> list[frozenset[str]]:
    if isinstance(tree, str):
        return [frozenset() if tree == "@" else frozenset({tree})]
    operator, parts = tree
    if operator == "or":
        return [alt for part in parts for alt in _dnf(part)]
    result = [frozenset()]
    for part in parts:
        result = [a | b for a in result for b in _dnf(part)]
        if len(result) > 256:
            raise ValueError("too large")
    return result

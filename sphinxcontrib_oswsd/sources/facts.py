"""Facts of a release that workflow claims are checked against.

Like the symbol index, the facts are read from the code's AST; the project is
never imported. Six kinds, each as small as a check needs:

``rpc``
    ``{module: {qualname: [[kind, method, fanout], ...]}}``: the RPC client
    functions, each ``cast``/``call`` they make (``cctxt.cast(ctxt,
    'pause_instance', ...)``) and whether the client was prepared with
    ``fanout=True``. A helper that casts a method name it is given
    (``_notification(context, method, ...)``) is followed one level: its
    callers in the same module with a string there are recorded too. A
    method name known only at run time is recorded as ``*``.
``policy``
    ``{rule: check string}`` for every ``RuleDefault``/``DocumentedRuleDefault``,
    the base rules included, so ``rule:...`` references can be expanded.
``option``
    ``{group: {name: default}}`` for every ``cfg.*Opt``, its group found from
    ``register_opts(opts, group=...)``/``register_opt``/``list_opts`` through
    the module-level list variables (``?`` when no registration is found);
    the default is the evaluated value as text, else the source expression.
``notification``
    ``{"legacy": [...], "versioned": [...]}``: the event types the project
    emits. Versioned: nova's notification samples (``instance-pause-start.json``
    -> ``instance.pause.start``). Legacy: string event types given to
    notifier calls, suffixes given to helpers that prefix them
    (``'compute.instance.%s' % event_suffix``), and nova's list of the legacy
    event types it allows (``allowed_legacy_notification_event_types``).
    (Indexes built before 0.2.0 hold one list of both.)
``state``
    ``{field: [values]}``: the constants of each state field's vocabulary
    (names and values), from the places :data:`STATE_SOURCES` lists.
``http``
    ``{module: {qualname: [codes]}}``: the 2xx codes a function declares
    (``@wsgi.response(202)``, ``response.status_int = http.CREATED``,
    ``return body, 201``, ``webob.exc.HTTPNoContent()``,
    ``flask.make_response(body, http.client.CREATED)``); a code set only on
    some branches adds the framework's default, 200, and one set while
    handling an exception is that error's answer, not the method's.
"""

from __future__ import annotations

import ast
import http
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sphinxcontrib_oswsd.sources.index import iter_modules

Facts = dict[str, object]

#: Where each project keeps the vocabulary of a state field: ``path`` (module
#: constants), ``path:Name`` (a class's constants, or every string in a
#: variable), ``attr:NAME`` (string literals assigned to ``x.NAME`` or given
#: as ``NAME=`` anywhere in the project).
STATE_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "nova": {
        "vm_state": ("nova/objects/fields.py:InstanceState",),
        "task_state": ("nova/objects/fields.py:InstanceTaskState",),
        "power_state": (
            "nova/compute/power_state.py",
            "nova/objects/fields.py:InstancePowerState",
        ),
        "status": (
            "attr:status",
            "nova/api/openstack/common.py:_STATE_MAP",
        ),
        "migration_status": ("attr:status",),
    },
    "cinder": {
        "status": (
            "cinder/objects/fields.py:VolumeStatus",
            "cinder/objects/fields.py:SnapshotStatus",
            "cinder/objects/fields.py:BackupStatus",
            "cinder/objects/fields.py:GroupStatus",
            "cinder/objects/fields.py:GroupSnapshotStatus",
            "attr:status",
        ),
        "attach_status": ("cinder/objects/fields.py:VolumeAttachStatus",),
        "attachment status": ("cinder/objects/fields.py:VolumeAttachStatus",),
        "migration_status": (
            "cinder/objects/fields.py:VolumeMigrationStatus",
            "attr:migration_status",
        ),
        "backup status": ("cinder/objects/fields.py:BackupStatus",),
        "snapshot status": ("cinder/objects/fields.py:SnapshotStatus",),
    },
    "neutron": {
        "status": ("neutron_lib/constants.py", "attr:status"),
    },
    "glance": {
        "status": ("glance/domain/__init__.py:Image.valid_state_targets",),
        "task status": ("glance/domain/__init__.py:Task._validate_task_status",),
    },
}

#: Neutron's state names live in these constants of ``neutron_lib/constants.py``.
_STATUS_CONSTANT = re.compile(r"[A-Z_]*STATUS[A-Z_]*")

_EVENT_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")
_NOTIFIER_METHODS = frozenset(
    {"info", "error", "warn", "warning", "audit", "critical", "sample"}
)
_SUCCESS_EXCEPTIONS = {
    "HTTPOk": 200,
    "HTTPCreated": 201,
    "HTTPAccepted": 202,
    "HTTPNonAuthoritativeInformation": 203,
    "HTTPNoContent": 204,
    "HTTPResetContent": 205,
    "HTTPPartialContent": 206,
}


class Unknown(Exception):
    """An expression the evaluator cannot reduce to a constant."""


@dataclass(frozen=True)
class _Ref:
    """A module, a class in a module, or something outside the tree."""

    module: str | None = None  # dotted module in the tree
    cls: str | None = None
    external: str | None = None  # dotted name outside the tree


@dataclass
class _Module:
    path: str
    dotted: str
    tree: ast.Module
    assigns: dict[str, ast.expr] = field(default_factory=dict)
    classes: dict[str, dict[str, ast.expr]] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, path: str, source: bytes) -> _Module:
        dotted = path[:-3].replace("/", ".").removesuffix(".__init__")
        module = cls(path, dotted, ast.parse(source))
        package = dotted if path.endswith("__init__.py") else dotted.rpartition(".")[0]
        for node in _block(module.tree.body):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        module.assigns[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                if isinstance(node.target, ast.Name):
                    module.assigns[node.target.id] = node.value
            elif isinstance(node, ast.ClassDef):
                module.classes[node.name] = {
                    t.id: s.value
                    for s in node.body
                    if isinstance(s, ast.Assign)
                    for t in s.targets
                    if isinstance(t, ast.Name)
                }
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        module.imports[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        module.imports[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                for alias in node.names:
                    module.imports[alias.asname or alias.name] = f"{base}.{alias.name}"
        return module

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the module (walked once: the extractors share it)."""
        return list(ast.walk(self.tree))

    @cached_property
    def functions(self) -> list[tuple[str, ast.FunctionDef, list[ast.AST]]]:
        """``(qualname, def, its nodes)`` of every function."""
        return [(q, f, list(ast.walk(f))) for q, f in _functions(self.tree)]


def _block(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, those inside ``if``/``try`` included."""
    for node in statements:
        if isinstance(node, (ast.If, ast.Try)):
            yield from _block(node.body)
            yield from _block(node.orelse)
            if isinstance(node, ast.Try):
                for handler in node.handlers:
                    yield from _block(handler.body)
                yield from _block(node.finalbody)
        else:
            yield node


class _Tree:
    """The parsed modules of a release (and of libraries it takes names from)."""

    def __init__(self, modules: list[_Module]) -> None:
        self.by_dotted = {m.dotted: m for m in modules}
        self._busy: set[tuple[str, int]] = set()

    # -- evaluation ----------------------------------------------------------

    def value(self, module: _Module, node: ast.AST) -> object:
        """The constant ``node`` is in ``module``; :class:`Unknown` if none."""
        key = (module.dotted, id(node))
        if key in self._busy:
            raise Unknown("cycle")
        self._busy.add(key)
        try:
            return self._value(module, node)
        finally:
            self._busy.discard(key)

    def _value(self, module: _Module, node: ast.AST) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.name(module, node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.value(module, node.value), node.attr)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(module, e) for e in node.elts]
        if isinstance(node, ast.JoinedStr):
            return "".join(str(self.value(module, v)) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.value(module, node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            number = self.value(module, node.operand)
            if isinstance(number, (int, float)):
                return -number
        if isinstance(node, ast.BinOp):
            left = self.value(module, node.left)
            right = self.value(module, node.right)
            try:
                if isinstance(node.op, ast.Add):
                    return left + right  # type: ignore[operator]
                if isinstance(node.op, ast.Mult):
                    return left * right  # type: ignore[operator]
                if isinstance(node.op, ast.Mod) and isinstance(left, str):
                    return left % (tuple(right) if isinstance(right, list) else right)
            except (TypeError, ValueError, KeyError) as error:
                raise Unknown(str(error)) from None
        if isinstance(node, ast.Subscript):  # __name__.split('.')[-1]
            sequence = self.value(module, node.value)
            index = self.value(module, node.slice)
            try:
                return sequence[index]  # type: ignore[index]
            except (TypeError, IndexError, KeyError) as error:
                raise Unknown(str(error)) from None
        if isinstance(node, ast.Call):
            return self._call(module, node)
        raise Unknown(type(node).__name__)

    def _call(self, module: _Module, node: ast.Call) -> object:
        name = _callee(node)
        if name in ("policy_or", "policy_and"):
            parts = [str(self.value(module, a)) for a in node.args]
            return f" {name[len('policy_') :]} ".join(parts)
        if name == "OptGroup":
            return self.value(module, _argument(node, 0, "name"))
        if name == "index" and isinstance(node.func, ast.Attribute) and node.args:
            return self.value(module, node.args[0])  # Enum.index(Enum.X)
        if name == "split" and isinstance(node.func, ast.Attribute):
            text = self.value(module, node.func.value)
            if isinstance(text, str):
                return text.split(*[self.value(module, a) for a in node.args])
        raise Unknown(f"call {name}")

    def name(self, module: _Module, name: str) -> object:
        if name in module.assigns:
            return self.value(module, module.assigns[name])
        if name in module.classes:
            return _Ref(module.dotted, name)
        if name in module.imports:
            return self.dotted(module.imports[name])
        if name == "__name__":
            return module.dotted
        if name in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[name]
        raise Unknown(name)

    def dotted(self, dotted: str) -> object:
        if dotted in self.by_dotted:
            return _Ref(dotted)
        parent, _, last = dotted.rpartition(".")
        if parent in self.by_dotted:
            return self.name(self.by_dotted[parent], last)
        return _Ref(external=dotted)

    def attribute(self, base: object, attr: str) -> object:
        if not isinstance(base, _Ref):
            raise Unknown(attr)
        if base.external is not None:
            if attr in http.HTTPStatus.__members__:
                return int(http.HTTPStatus[attr])
            return _Ref(external=f"{base.external}.{attr}")
        module = self.by_dotted[base.module or ""]
        if base.cls is None:
            return self.name(module, attr)
        attrs = module.classes[base.cls]
        if attr not in attrs:
            raise Unknown(f"{base.cls}.{attr}")
        return self.value(module, attrs[attr])

    def try_value(self, module: _Module, node: ast.AST | None) -> object:
        if node is None:
            raise Unknown("missing")
        return self.value(module, node)


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _argument(node: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == keyword:
            return kw.value
    if len(node.args) > position and not isinstance(node.args[position], ast.Starred):
        return node.args[position]
    return None


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef]]:
    """``(qualname, def)`` of every function, as :func:`scan_source` names them."""

    def visit(nodes: list[ast.stmt], prefix: str) -> Iterator[tuple[str, ast.AST]]:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = prefix + node.name
                if not isinstance(node, ast.ClassDef):
                    yield qualname, node
                yield from visit(node.body, qualname + ".")
            else:
                children = [
                    c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)
                ]
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.excepthandler, ast.match_case)):
                        children.extend(child.body)
                yield from visit(children, prefix)

    yield from visit(tree.body, "")  # type: ignore[misc]


def _parameters(function: ast.FunctionDef) -> list[str]:
    """Positional parameter names, without ``self``/``cls``."""
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    return names[1:] if names[:1] in (["self"], ["cls"]) else names


# -- the extraction --------------------------------------------------------------


def extract_facts(
    project: str, root: Path | str, support: tuple[Path | str, ...] = ()
) -> tuple[Facts, list[str]]:
    """The facts of the tree at ``root``; ``support`` trees (``neutron_lib``)
    lend names, policy rules and states but are not recorded themselves.

    Returns the facts and notes about files that could not be parsed.
    """
    notes: list[str] = []
    own = _parse_tree(Path(root), notes)
    lent = [m for extra in support for m in _parse_tree(Path(extra), notes)]
    tree = _Tree(own + lent)
    facts: Facts = {
        "rpc": _rpc(tree, own),
        "policy": _policies(tree, own + lent),
        "option": _options(tree, own),
        "notification": _notifications(tree, own),
        "state": _states(tree, own + lent, STATE_SOURCES.get(project, {})),
        "http": _http(tree, own),
    }
    return facts, notes


def _parse_tree(root: Path, notes: list[str]) -> list[_Module]:
    modules = []
    for path, file in iter_modules(root):
        try:
            modules.append(_Module.parse(path, file.read_bytes()))
        except (SyntaxError, ValueError) as error:
            notes.append(f"{path}: facts skipped, cannot parse: {error}")
    return modules


def _rpc(tree: _Tree, modules: list[_Module]) -> dict[str, dict[str, list]]:
    found: dict[str, dict[str, list]] = {}
    for module in modules:
        records: dict[str, set[tuple[str, str, int]]] = {}
        # helper name -> {(index of its method parameter, kind, fanout)}
        forwarders: dict[str, set[tuple[int, str, int]]] = {}
        helpers = _fanout_helpers(module)
        for qualname, function, nodes in module.functions:
            params = _parameters(function)
            chosen = _chosen_senders(nodes)
            for call in nodes:
                if not isinstance(call, ast.Call):
                    continue
                kind = _callee(call)
                if isinstance(call.func, ast.Name) and kind in chosen:
                    kinds = chosen[kind]  # send = cctxt.cast if cast else cctxt.call
                elif kind in ("cast", "call") and isinstance(call.func, ast.Attribute):
                    kinds = [kind]
                else:
                    continue
                method = _argument(call, 1, "method")
                if method is None:
                    continue
                fanouts = _fanouts(call, nodes, helpers)
                try:
                    name = tree.value(module, method)
                except Unknown:
                    if isinstance(method, ast.Name) and method.id in params:
                        short = qualname.rpartition(".")[2]
                        forwarders.setdefault(short, set()).update(
                            (params.index(method.id), k, f)
                            for k in kinds
                            for f in fanouts
                        )
                    if not _rpc_client(call):
                        continue
                    name = "*"  # a method name known at run time only
                if isinstance(name, str):
                    records.setdefault(qualname, set()).update(
                        (k, name, f) for k in kinds for f in fanouts
                    )
        changed = True
        while changed:  # helpers passing their own method parameter to a helper
            changed = False
            for qualname, function, nodes in module.functions:
                params = _parameters(function)
                short = qualname.rpartition(".")[2]
                for call in nodes:
                    if not isinstance(call, ast.Call):
                        continue
                    for position, kind, fanout in forwarders.get(
                        _callee(call), set()
                    ).copy():
                        argument = _argument(call, position, "method")
                        if isinstance(argument, ast.Constant) and isinstance(
                            argument.value, str
                        ):
                            entries = records.setdefault(qualname, set())
                            entries.add((kind, argument.value, fanout))
                        elif isinstance(argument, ast.Name) and argument.id in params:
                            entry = (params.index(argument.id), kind, fanout)
                            if entry not in forwarders.setdefault(short, set()):
                                forwarders[short].add(entry)
                                changed = True
        if records:
            found[module.path] = {
                q: [list(entry) for entry in sorted(r)]
                for q, r in sorted(records.items())
            }
    return found


def _is_fanout(node: ast.AST) -> bool:
    """``prepare(fanout=True, ...)`` somewhere in ``node``."""
    return any(
        isinstance(n, ast.Call)
        and any(
            kw.arg == "fanout"
            and isinstance(kw.value, ast.Constant)
            and kw.value.value is True
            for kw in n.keywords
        )
        for n in ast.walk(node)
    )


def _fanout_helpers(module: _Module) -> set[str]:
    """Functions returning a client prepared with ``fanout=True``."""
    return {
        qualname.rpartition(".")[2]
        for qualname, _, nodes in module.functions
        if any(
            isinstance(n, ast.Return) and n.value is not None and _is_fanout(n.value)
            for n in nodes
        )
    }


def _fanouts(call: ast.Call, nodes: list[ast.AST], helpers: set[str]) -> set[int]:
    """Whether ``call`` (``cctxt.cast(...)``) goes to all servers: 1, to one: 0,
    or either (``cctxt`` prepared with and without ``fanout`` in branches)."""

    def fanout(expr: ast.AST) -> int:
        return int(
            _is_fanout(expr)
            or any(
                isinstance(n, ast.Call) and _callee(n) in helpers
                for n in ast.walk(expr)
            )
        )

    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if isinstance(receiver, ast.Name):
        assigned = [
            fanout(n.value)
            for n in nodes
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == receiver.id for t in n.targets)
        ]
        if assigned:
            return set(assigned)
    if receiver is not None and not isinstance(receiver, ast.Name):
        return {fanout(receiver)}
    return {int(any(fanout(n) for n in nodes if isinstance(n, ast.Assign)))}


def _rpc_client(call: ast.Call) -> bool:
    """``cctxt.cast(...)``, ``self.client.prepare(...).call(...)``: an RPC
    client's, not any object's ``call``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return True  # a name bound to cctxt.cast/cctxt.call
    return bool(re.search(r"cctxt|client|prepare|rpc", ast.unparse(func.value), re.I))


def _chosen_senders(nodes: list[ast.AST]) -> dict[str, list[str]]:
    """Local names bound to ``cctxt.cast``/``cctxt.call`` (or a choice of both)."""
    chosen = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            kinds = [
                n.attr
                for n in ast.walk(node.value)
                if isinstance(n, ast.Attribute) and n.attr in ("cast", "call")
            ]
            if kinds and not any(isinstance(n, ast.Call) for n in ast.walk(node.value)):
                chosen[node.targets[0].id] = sorted(set(kinds))
    return chosen


def _policies(tree: _Tree, modules: list[_Module]) -> dict[str, str]:
    rules: dict[str, str] = {}
    for module in modules:
        for node in module.nodes:
            if not (
                isinstance(node, ast.Call) and _callee(node).endswith("RuleDefault")
            ):
                continue
            try:
                name = tree.try_value(module, _argument(node, 0, "name"))
                check = tree.try_value(module, _argument(node, 1, "check_str"))
            except Unknown:
                continue
            if isinstance(name, str) and isinstance(check, str):
                rules.setdefault(name, " ".join(check.split()))
    return dict(sorted(rules.items()))


def _options(tree: _Tree, modules: list[_Module]) -> dict[str, dict[str, str]]:
    # Each variable holding options: its own options and the variables it includes.
    holders: dict[tuple[str, str], tuple[list[tuple[str, str]], list[tuple[str, str]]]]
    holders = {}
    seen: set[int] = set()
    loose: list[tuple[str, str]] = []
    # (holder variables, or the options themselves, group)
    registrations: list[tuple[list[tuple[str, str]], str]] = []
    for module in modules:
        for name, value in module.assigns.items():
            opts = _opt_calls(tree, module, value)
            seen.update(id(n) for n in ast.walk(value))
            refs = _var_refs(tree, module, value)
            if opts or refs:
                holders[(module.dotted, name)] = (opts, refs)
        for node in module.nodes:
            if isinstance(node, ast.Call):
                registrations.extend(_registration(tree, module, node))
            elif isinstance(node, ast.FunctionDef) and node.name == "list_opts":
                registrations.extend(
                    ([ref], group) for ref, group in _listed(tree, module, node)
                )
    # def register_quota_opts(opts, cfg=CONF): cfg.register_opts(opts, 'QUOTAS')
    registrars = {
        function.name: (_parameters(function).index(opts.id), group)
        for module in modules
        for _, function, nodes in module.functions
        for call in nodes
        if isinstance(call, ast.Call)
        and _callee(call) in ("register_opts", "register_opt")
        and isinstance(opts := _argument(call, 0, "opts"), ast.Name)
        and opts.id in _parameters(function)
        and (group := _group_name(tree, module, _argument(call, 1, "group")))
    }
    for module in modules:
        for call in module.nodes:
            if isinstance(call, ast.Call) and _callee(call) in registrars:
                position, group = registrars[_callee(call)]
                argument = _argument(call, position, "opts")
                if argument is not None:
                    registrations.append((_var_refs(tree, module, argument), group))
        for node in module.nodes:
            if (
                isinstance(node, ast.Call)
                and id(node) not in seen
                and _callee(node).endswith("Opt")
            ):
                loose.extend(_opt_calls(tree, module, node))
    groups: dict[str, dict[str, str]] = {}
    placed: set[tuple[str, str]] = set()
    for entries, group in registrations:
        for entry in entries:
            options = _expand(holders, entry, set()) if entry in holders else [entry]
            for option, default in options:
                groups.setdefault(group, {}).setdefault(option, default)
                placed.add((option, default))
    for opts, _ in holders.values():
        for option in opts:
            if option not in placed:
                groups.setdefault("?", {}).setdefault(*option)
    for option in loose:
        if option not in placed:
            groups.setdefault("?", {}).setdefault(*option)
    return {g: dict(sorted(o.items())) for g, o in sorted(groups.items())}


def _opt_calls(tree: _Tree, module: _Module, node: ast.AST) -> list[tuple[str, str]]:
    """``(name, default)`` of each ``cfg.*Opt(...)`` call inside ``node``."""
    found = []
    for call in ast.walk(node):
        if not (isinstance(call, ast.Call) and _callee(call).endswith("Opt")):
            continue
        try:
            name = tree.try_value(module, _argument(call, 0, "name"))
        except Unknown:
            continue
        if not isinstance(name, str):
            continue
        default = _argument(call, 99, "default")
        found.append((name, _default_text(tree, module, default)))
    return found


def _default_text(tree: _Tree, module: _Module, node: ast.expr | None) -> str:
    """An option default as the text a diagram writes: ``False``, ``600``,
    ``None``, ``a,b`` for lists; the source expression when not constant."""
    if node is None:
        return "None"
    try:
        value = tree.value(module, node)
    except Unknown:
        return ast.unparse(node)
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, _Ref):
        return ast.unparse(node)
    return str(value)


def _var_refs(tree: _Tree, module: _Module, node: ast.AST) -> list[tuple[str, str]]:
    """Module-level variables (``(module, name)``) that ``node`` mentions."""
    refs = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            if sub.id in module.assigns:
                refs.append((module.dotted, sub.id))
            elif sub.id in module.imports:
                parent, _, last = module.imports[sub.id].rpartition(".")
                if parent in tree.by_dotted:
                    refs.append((parent, last))
        elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
            try:
                base = tree.name(module, sub.value.id)
            except Unknown:
                continue
            if isinstance(base, _Ref) and base.module and base.cls is None:
                refs.append((base.module, sub.attr))
    return refs


def _expand(holders, holder, busy) -> Iterator[tuple[str, str]]:
    if holder in busy or holder not in holders:
        return
    busy.add(holder)
    opts, refs = holders[holder]
    yield from opts
    for ref in refs:
        yield from _expand(holders, ref, busy)


def _group_name(tree: _Tree, module: _Module, node: ast.expr | None) -> str | None:
    if node is None:
        return "DEFAULT"
    try:
        value = tree.value(module, node)
    except Unknown:
        if isinstance(node, ast.Attribute) and node.attr == "name":
            return _group_name(tree, module, node.value)
        return None
    return value if isinstance(value, str) else "DEFAULT" if value is None else None


def _registration(tree: _Tree, module: _Module, node: ast.Call):
    if _callee(node) not in ("register_opts", "register_opt", "register_cli_opts"):
        return
    opts = _argument(node, 0, "opts") or _argument(node, 0, "opt")
    if opts is None:
        return
    group = _group_name(tree, module, _argument(node, 1, "group"))
    if group is None:
        return
    refs = _var_refs(tree, module, opts)
    # register_opt(cfg.StrOpt(...), group=...): the options themselves
    yield refs or _opt_calls(tree, module, opts), group


def _listed(tree: _Tree, module: _Module, function: ast.FunctionDef):
    """``list_opts()`` returning ``{group: opts}`` or ``[(group, opts)]``."""
    for node in ast.walk(function):
        if isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
            pairs = [(node.elts[0], node.elts[1])]
        else:
            continue
        for key, value in pairs:
            if key is None:
                continue
            group = _group_name(tree, module, key)
            if group is None:
                continue
            for ref in _var_refs(tree, module, value):
                yield ref, group


def _notifications(tree: _Tree, modules: list[_Module]) -> dict[str, list[str]]:
    events: set[str] = set()  # legacy
    versioned: set[str] = set()
    # Helpers that prefix an event suffix: name -> [(parameter index, prefix)].
    prefixers: dict[str, set[tuple[int, str]]] = {}
    for module in modules:
        for _, function, nodes in module.functions:
            params = _parameters(function)
            # notifier.info(ctxt, 'compute.instance.%s' % suffix), or anywhere
            # in a notify_* function (tag_event = 'tag.%s' % action)
            if "notif" in function.name:
                candidates = nodes
            else:
                candidates = [
                    a
                    for n in nodes
                    if isinstance(n, ast.Call) and _notifier_call(n)
                    for a in n.args[:3]
                ]
            for node in candidates:
                if found := _prefixed_parameter(node, params):
                    prefixers.setdefault(function.name, set()).add(found)
    changed = True
    while changed:  # wrappers passing their own parameter on to a prefixer
        changed = False
        for module in modules:
            for _, function, nodes in module.functions:
                params = _parameters(function)
                for call in nodes:
                    if not isinstance(call, ast.Call):
                        continue
                    for index, prefix in prefixers.get(_callee(call), set()).copy():
                        arg = _argument(call, index, "event_suffix")
                        if isinstance(arg, ast.Name) and arg.id in params:
                            entry = (params.index(arg.id), prefix)
                            known = prefixers.setdefault(function.name, set())
                            if entry not in known:
                                known.add(entry)
                                changed = True
    for module in modules:
        for node in module.nodes:
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            if name == "notification_sample" and node.args:
                sample = node.args[0]
                if isinstance(sample, ast.Constant) and isinstance(sample.value, str):
                    versioned.add(sample.value.removesuffix(".json").replace("-", "."))
                continue
            for index, prefix in prefixers.get(name, ()):
                arg = _argument(node, index, "event_suffix")
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    events.add(prefix + arg.value)
                elif isinstance(arg, ast.BinOp):  # "resize.prep.%s" % phase
                    suffix = _template_text(tree, module, arg)
                    if suffix[:1] not in "*." and _TEMPLATE.fullmatch(prefix + suffix):
                        events.add(prefix + suffix)
            if name in prefixers:
                continue  # its suffix is not an event type by itself
            if _notifier_call(node):
                for arg in node.args[:3]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if _EVENT_TYPE.fullmatch(arg.value):
                            events.add(arg.value)
                    elif template := _event_template(tree, module, arg):
                        events.add(template)
        for node in module.nodes:  # event_type = f'{SERVICE}.{resource}.{operation}'
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], (ast.Name, ast.Attribute))
                and re.search(r"event|notifier_method", ast.unparse(node.targets[0]))
                and (template := _event_template(tree, module, node.value))
            ):
                events.add(template)
        for _, _, nodes in module.functions:
            events.update(_mapped_events(nodes))
        for node in module.nodes:  # nova's allowed_legacy_notification_event_types
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.endswith("legacy_notification_event_types")
                and isinstance(node.value, (ast.List, ast.Tuple))
            ):
                events.update(
                    e.value
                    for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    return {"legacy": sorted(events), "versioned": sorted(versioned)}


def _mapped_events(nodes: list[ast.AST]) -> Iterator[str]:
    """``event = 'router.interface.%s' % mapping[action]`` with ``mapping`` a
    dict literal of the same function: one event type per value."""
    mappings = {
        node.targets[0].id: [
            v.value
            for v in node.value.values
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        ]
        for node in nodes
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Dict)
    }
    for node in nodes:
        if not (
            isinstance(node, ast.Assign)
            and "event" in ast.unparse(node.targets[0])
            and isinstance(value := node.value, ast.BinOp)
            and isinstance(value.op, ast.Mod)
            and isinstance(value.left, ast.Constant)
            and isinstance(value.left.value, str)
            and value.left.value.count("%s") == 1
            and isinstance(value.right, ast.Subscript)
            and isinstance(value.right.value, ast.Name)
        ):
            continue
        for part in mappings.get(value.right.value.id, []):
            if _EVENT_TYPE.fullmatch(event := value.left.value % part):
                yield event


_TEMPLATE = re.compile(r"(?:[a-z][\w-]*|\*)(?:\.(?:[a-z0-9_][\w-]*|\*))+")


def _event_template(tree: _Tree, module: _Module, node: ast.expr) -> str | None:
    """An event type built at run time, its unknown parts as ``*``:
    ``self._resource + '.create.start'`` -> ``*.create.start``."""
    if not isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Call)):
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return None  # 'keypair.%s' % event_suffix: its suffixes are known
    text = _template_text(tree, module, node)
    segments = text.split(".")
    if "*" not in segments or not _TEMPLATE.fullmatch(text):
        return None
    return text if any(s != "*" for s in segments) else None


def _template_text(tree: _Tree, module: _Module, node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(_template_text(tree, module, v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        node = node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template_text(tree, module, node.left) + _template_text(
            tree, module, node.right
        )
    if (  # 'resize.prep.%s' % phase
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
    ):
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        parts = iter([_template_text(tree, module, v) for v in values])
        return re.sub(r"%[sd]", lambda _: next(parts, "*"), node.left.value)
    if (  # '.'.join(['identity', resource_type, event])
        isinstance(node, ast.Call)
        and _callee(node) == "join"
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Constant)
        and node.args
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        parts = [_template_text(tree, module, e) for e in node.args[0].elts]
        return str(node.func.value.value).join(parts)
    try:
        value = tree.value(module, node)
    except Unknown:
        return "*"
    return value if isinstance(value, str) else "*"


def _notifier_call(call: ast.Call) -> bool:
    """``notifier.info(...)``, ``send_notification(...)``; not ``LOG.info``,
    not ``get_notifier(publisher_id)``."""
    name = _callee(call)
    if not (name in _NOTIFIER_METHODS or "notif" in name) or name.startswith("get_"):
        return False
    target = call.func
    return not (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id.lower() in ("log", "logger")
    )


def _prefixed_parameter(node: ast.AST, params: list[str]) -> tuple[int, str] | None:
    """``('compute.instance.%s' % event_suffix)`` -> (index of event_suffix, prefix)."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
        and isinstance(node.right, ast.Name)
        and node.right.id in params
    ):
        text = node.left.value
        if (
            isinstance(node.op, ast.Mod)
            and text.endswith("%s")
            and text.count("%") == 1
        ):
            prefix = text[:-2]
        elif isinstance(node.op, ast.Add):
            prefix = text
        else:
            return None
        if prefix.endswith(".") and _EVENT_TYPE.fullmatch(prefix + "x"):
            return params.index(node.right.id), prefix
    if isinstance(node, ast.JoinedStr) and len(node.values) == 2:
        head, tail = node.values
        if (
            isinstance(head, ast.Constant)
            and isinstance(tail, ast.FormattedValue)
            and isinstance(tail.value, ast.Name)
            and tail.value.id in params
            and str(head.value).endswith(".")
        ):
            return params.index(tail.value.id), str(head.value)
    return None


def _states(
    tree: _Tree, modules: list[_Module], sources: dict[str, tuple[str, ...]]
) -> dict[str, list[str]]:
    by_path = {m.path: m for m in modules}
    states: dict[str, list[str]] = {}
    for state_field, places in sources.items():
        values: set[str] = set()
        for place in places:
            if place.startswith("attr:"):
                values |= _assigned_strings(modules, place[len("attr:") :])
                continue
            path, _, name = place.partition(":")
            module = by_path.get(path)
            if module is not None:
                values |= _constants(tree, module, name)
        if values:
            states[state_field] = sorted(values)
    return states


def _constants(tree: _Tree, module: _Module, name: str) -> set[str]:
    """Names and string/number values of a module's or class's constants, or
    every string inside a variable."""
    if not name:
        wanted = {
            k: v
            for k, v in module.assigns.items()
            if k.isupper()
            and (
                module.dotted != "neutron_lib.constants"
                or _STATUS_CONSTANT.fullmatch(k)
            )
        }
        return _named_values(tree, module, wanted)
    head, _, attr = name.partition(".")
    if head in module.classes and not attr:
        wanted = {k: v for k, v in module.classes[head].items() if k.isupper()}
        return _named_values(tree, module, wanted)
    node: ast.AST | None = module.assigns.get(head)
    if head in module.classes:
        node = module.classes[head].get(attr) or _method(module, head, attr)
    if node is None:
        return set()
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _method(module: _Module, cls: str, name: str) -> ast.AST | None:
    for qualname, function, _ in module.functions:
        if qualname == f"{cls}.{name}":
            return function
    return None


def _named_values(tree: _Tree, module: _Module, wanted: dict[str, ast.expr]) -> set:
    values = set()
    for key, node in wanted.items():
        try:
            value = tree.value(module, node)
        except Unknown:
            continue
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            values.add(key)
            if isinstance(value, str):
                values.add(value)
    return values


def _assigned_strings(modules: list[_Module], attr: str) -> set[str]:
    """String literals assigned to ``x.<attr>`` or passed as ``<attr>=``."""
    found = set()
    for module in modules:
        for node in module.nodes:
            values: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                if any(
                    isinstance(t, ast.Attribute) and t.attr == attr
                    for t in node.targets
                ):
                    values.append(node.value)
            elif isinstance(node, ast.Call):
                values.extend(kw.value for kw in node.keywords if kw.arg == attr)
                if _callee(node).endswith(f"_{attr}"):  # _set_migration_status(m, 'x')
                    values.extend(node.args)
            elif isinstance(node, ast.Dict):
                values.extend(
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == attr
                )
            found.update(
                value.value
                for value in values
                if isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and value.value
                and " " not in value.value
            )
    return found


def _http(tree: _Tree, modules: list[_Module]) -> dict[str, dict[str, list[int]]]:
    found: dict[str, dict[str, list[int]]] = {}
    for module in modules:
        codes_of: dict[str, list[int]] = {}
        for qualname, function, _ in module.functions:
            codes = set()
            for decorator in function.decorator_list:
                if isinstance(decorator, ast.Call) and _callee(decorator) == "response":
                    codes.add(_code(tree, module, _argument(decorator, 0, "code")))
            declared = bool(codes)
            plain = False  # a body returned without a code: the default 200
            always = False  # a code set whatever the branch
            nodes = list(_own_nodes(function))
            codes_at = {id(node): _codes_in(tree, module, node) for node, _ in nodes}
            answers = {  # response = flask.make_response(body, 201)
                target.id
                for node, _ in nodes
                if isinstance(node, ast.Assign) and codes_at[id(node.value)]
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node, branch in nodes:
                if branch == "except":  # an error's answer, not the method's
                    continue
                found_codes = codes_at[id(node)]
                codes |= found_codes
                always = always or bool(found_codes and branch == "always")
                plain = plain or (_returns_body(node, answers) and not found_codes)
            codes = {c for c in codes if isinstance(c, int) and 200 <= c < 300}
            if codes and (plain or not always) and not declared:
                codes.add(200)
            if codes:
                codes_of[qualname] = sorted(codes)
        if codes_of:
            found[module.path] = codes_of
    _inherit_decorator_codes(found, modules)
    return found


def _inherit_decorator_codes(
    found: dict[str, dict[str, list[int]]], modules: list[_Module]
) -> None:
    """A method without a code of its own takes its decorator's: neutron's
    ``@utils.when_delete(index)`` wraps it in a function answering 204."""
    setters: dict[str, set[int]] = {}  # module-level function name -> codes
    for module in modules:
        codes_of = found.get(module.path, {})
        top = {q for q, _, _ in module.functions if "." not in q}
        for name in top:
            codes = {
                c for q, cs in codes_of.items() if q.split(".")[0] == name for c in cs
            }
            if codes:
                setters.setdefault(name, set()).update(codes)
        for qualname, _, nodes in module.functions:  # when_delete -> _set_del_code
            if "." in qualname or qualname in setters:
                continue
            used = {n.id for n in nodes if isinstance(n, ast.Name)} & set(setters) & top
            for name in used:
                setters.setdefault(qualname, set()).update(setters[name])
    for module in modules:
        for qualname, function, _ in module.functions:
            if qualname in found.get(module.path, {}):
                continue
            codes = {
                code
                for decorator in function.decorator_list
                for code in setters.get(
                    _callee(decorator)
                    if isinstance(decorator, ast.Call)
                    else ast.unparse(decorator).rpartition(".")[2],
                    (),
                )
            }
            if codes:
                found.setdefault(module.path, {})[qualname] = sorted(codes)


def _returns_body(node: ast.AST, answers: set[str]) -> bool:
    """``return {...}``: a body with no status of its own (``answers`` are
    the names of responses built with one)."""
    if not isinstance(node, ast.Return) or node.value is None:
        return False
    value = node.value
    if isinstance(value, ast.Name) and value.id in answers:
        return False
    if isinstance(value, ast.Constant) and value.value is None:
        return False
    if isinstance(value, ast.Call):
        name = _callee(value)
        return not (name.endswith("Response") or name.startswith("HTTP"))
    return not isinstance(value, ast.Tuple)


def _own_nodes(function: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """The nodes of a function's body, nested functions and classes left out,
    each with its branch: ``always`` runs on every success, ``if`` only on
    some (under an ``if``, a loop or a ``match``), ``except`` only on an
    error (glance's download answers 204 when the store lost the data)."""
    stack = [(node, "always") for node in ast.iter_child_nodes(function)]
    while stack:
        node, branch = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield node, branch
        if isinstance(node, ast.ExceptHandler):
            inner = "except"
        elif branch == "always" and isinstance(
            node, (ast.If, ast.For, ast.While, ast.Match, ast.IfExp)
        ):
            inner = "if"
        else:
            inner = branch
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _codes_in(tree: _Tree, module: _Module, node: ast.AST) -> set[object]:
    if isinstance(node, ast.Assign):
        if any(
            isinstance(t, ast.Attribute)
            and t.attr in ("status", "status_int", "status_code")
            for t in node.targets
        ):
            return {_code(tree, module, node.value)}
    elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
        if len(node.value.elts) >= 2:
            return {_code(tree, module, node.value.elts[1])}
    elif isinstance(node, ast.Call):
        codes = {
            _code(tree, module, kw.value)
            for kw in node.keywords
            if kw.arg in ("status", "status_int", "status_code")
        }
        name = _callee(node)
        if name in _SUCCESS_EXCEPTIONS:
            codes.add(_SUCCESS_EXCEPTIONS[name])
        if name == "make_response" and len(node.args) >= 2:  # flask
            codes.add(_code(tree, module, node.args[1]))
        return codes
    return set()


def _code(tree: _Tree, module: _Module, node: ast.expr | None) -> int | None:
    try:
        value = tree.try_value(module, node)
    except Unknown:
        return None
    if isinstance(value, list) and value:  # status=(201, 'Created')
        value = value[0]
    if isinstance(value, str) and value[:3].isdigit():  # '202 Accepted'
        return int(value[:3])
    return value if isinstance(value, int) else None

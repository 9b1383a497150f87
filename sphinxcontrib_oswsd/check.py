"""Check that a workflow's source references name real code (``oswsd check``).

Every reference must resolve in the symbol index of its project. In strict
mode, which the bundled library passes, also:

- every note and message has a reference above it;
- every reference is written in the canonical form ``# <path>.py <Qualname>()``
  with the full qualname (the class named for methods);
- a message from one OpenStack service to another that names an RPC method
  (solid arrow, text starting with a snake_case identifier) names a method
  that the receiving service's RPC client and server classes both define.

Every claim a workflow states (``pause_instance (cast)``, ``vm_state =
PAUSED``, ...) is verified against the facts of the index
(:mod:`sphinxcontrib_oswsd.claims`) and counted; in strict mode a failed
claim is a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sphinxcontrib_oswsd.claims import KINDS, ClaimChecker, claims_of
from sphinxcontrib_oswsd.sources import Resolver
from sphinxcontrib_oswsd.wsd.model import Diagram, Message, SourceRef
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse


@dataclass(frozen=True)
class RpcService:
    """Where a service's RPC methods live, as ``"<path> <Class>"`` places.

    ``clients`` are the caller-side API classes; empty where the wire method
    names are strings rather than client methods (neutron's DHCP notifier,
    the agents' plugin APIs), so only ``servers`` can be checked.
    """

    name: str
    clients: tuple[str, ...]
    servers: tuple[str, ...]


_COMPUTE = RpcService(
    "nova-compute",
    ("nova/compute/rpcapi.py ComputeAPI",),
    ("nova/compute/manager.py ComputeManager",),
)

#: Receiving participant (names from the workflow conventions) -> its RPC code.
RPC_SERVICES: dict[str, RpcService] = {
    "nova_compute": _COMPUTE,
    "source_compute": _COMPUTE,
    "dest_compute": _COMPUTE,
    "nova_conductor": RpcService(
        "nova-conductor",
        (
            "nova/conductor/rpcapi.py ComputeTaskAPI",
            "nova/conductor/rpcapi.py ConductorAPI",
        ),
        (
            "nova/conductor/manager.py ComputeTaskManager",
            "nova/conductor/manager.py ConductorManager",
        ),
    ),
    "nova_scheduler": RpcService(
        "nova-scheduler",
        ("nova/scheduler/rpcapi.py SchedulerAPI",),
        ("nova/scheduler/manager.py SchedulerManager",),
    ),
    "cinder_volume": RpcService(
        "cinder-volume",
        ("cinder/volume/rpcapi.py VolumeAPI",),
        ("cinder/volume/manager.py VolumeManager",),
    ),
    "cinder_scheduler": RpcService(
        "cinder-scheduler",
        ("cinder/scheduler/rpcapi.py SchedulerAPI",),
        ("cinder/scheduler/manager.py SchedulerManager",),
    ),
    "cinder_backup": RpcService(
        "cinder-backup",
        ("cinder/backup/rpcapi.py BackupAPI",),
        ("cinder/backup/manager.py BackupManager",),
    ),
    "dhcp_agent": RpcService(
        "DHCP agent", (), ("neutron/agent/dhcp/agent.py DhcpAgent",)
    ),
    "l3_agent": RpcService(
        "L3 agent",
        ("neutron/api/rpc/agentnotifiers/l3_rpc_agent_api.py L3AgentNotifyAPI",),
        ("neutron/agent/l3/agent.py L3NATAgent",),
    ),
    "l2_agent": RpcService(
        "OVS agent",
        (
            "neutron/plugins/ml2/rpc.py AgentNotifierApi",
            "neutron/api/rpc/handlers/resources_rpc.py ResourcesPushRpcApi",
            "neutron/plugins/ml2/drivers/l2pop/rpc.py L2populationAgentNotifyAPI",
        ),
        (
            "neutron/plugins/ml2/drivers/openvswitch/agent/ovs_neutron_agent.py"
            " OVSNeutronAgent",
            "neutron/api/rpc/handlers/resources_rpc.py ResourcesPushRpcCallback",
            # the agent's l2pop endpoints, inherited from this mixin
            "neutron/plugins/ml2/drivers/l2pop/rpc_manager/l2population_rpc.py"
            " L2populationRpcCallBackMixin",
        ),
    ),
    "neutron_server": RpcService(
        "neutron-server",
        (),
        (
            "neutron/plugins/ml2/rpc.py RpcCallbacks",
            "neutron/api/rpc/handlers/dhcp_rpc.py DhcpRpcCallback",
            "neutron/api/rpc/handlers/l3_rpc.py L3RpcCallback",
            "neutron/api/rpc/handlers/securitygroups_rpc.py"
            " SecurityGroupServerRpcCallback",
            "neutron/api/rpc/handlers/resources_rpc.py ResourcesPullRpcCallback",
        ),
    ),
}

#: Participants that are OpenStack services speaking RPC (callers included).
RPC_SENDERS = frozenset(RPC_SERVICES) | {"nova_api", "cinder_api", "ml2"}

_RPC_METHOD = re.compile(r"([a-z_][a-z0-9_]*)(?:[\s(]|$)")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    workflow: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class WorkflowCheck:
    """The outcome for one workflow."""

    workflow: str
    file: str
    references: int = 0
    resolved: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: kind -> [verified, failed, unchecked (no facts in the index)]
    claims: dict[str, list[int]] = field(
        default_factory=lambda: {kind: [0, 0, 0] for kind in KINDS}
    )

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message, self.workflow))


def check_workflow(
    workflow: str, file: str, source: str, resolver: Resolver, strict: bool = False
) -> WorkflowCheck:
    """Check one workflow's source; ``file`` is what messages call it."""
    result = WorkflowCheck(workflow, file)
    try:
        diagram = parse(source)
    except WSDSyntaxError as error:
        result.problem(error.line, error.message)
        return result
    for ref in _references(diagram):
        result.references += 1
        resolution = resolver.resolve(ref)
        if not resolution.ok:
            result.problem(ref.line, str(resolution.problem))
            continue
        result.resolved += 1
        if strict and (not ref.canonical or ref.qualname != resolution.qualname):
            result.problem(ref.line, _canonical_hint(ref, resolution.qualname))
    if strict:
        for step in diagram.steps():
            if step.ref is None:
                kind = "message" if isinstance(step, Message) else "note"
                result.problem(
                    step.line,
                    f"{kind} without a source reference: put "
                    f"'# <path>.py <Qualname>()' above it",
                )
            if isinstance(step, Message) and (problem := rpc_problem(step, resolver)):
                result.problem(step.line, problem)
    named = "/" in workflow and not workflow.endswith(".wsd")
    checker = ClaimChecker(resolver, workflow if named else None)
    reported = {p.line for p in result.problems}  # an unknown RPC method, said once
    for claim in claims_of(diagram):
        verdict = checker.verify(claim)
        counts = result.claims[claim.kind]
        if not verdict.checked:
            counts[2] += 1
        elif verdict.problem:
            counts[1] += 1
            if strict and not (claim.kind == "rpc" and claim.line in reported):
                result.problem(claim.line, verdict.problem)
        else:
            counts[0] += 1
    result.problems.sort(key=lambda p: p.line)
    return result


def _references(diagram: Diagram) -> list[SourceRef]:
    """Each reference comment that applies to some step, once, in order."""
    return list(dict.fromkeys(s.ref for s in diagram.steps() if s.ref is not None))


def _canonical_hint(ref: SourceRef, qualname: str | None) -> str:
    if qualname is None:
        return f"reference names no function: write '# {ref.path} <Qualname>()'"
    return f"write the reference in canonical form: '# {ref.path} {qualname}()'"


def rpc_problem(message: Message, resolver: Resolver) -> str | None:
    """Why ``message`` names an RPC method its receiver lacks, else None."""
    service = RPC_SERVICES.get(message.target)
    if (
        service is None
        or message.arrow.dashed
        or message.source == message.target
        or message.source not in RPC_SENDERS
    ):
        return None
    match = _RPC_METHOD.match(message.text)
    if match is None:
        return None
    method = match[1]
    missing = [
        why
        for places in (service.clients, service.servers)
        if places and (why := _missing_method(resolver, places, method, message.line))
    ]
    if not missing:
        return None
    return f"RPC method {method} is not one of {service.name}: " + "; ".join(missing)


def _missing_method(
    resolver: Resolver, places: tuple[str, ...], method: str, line: int
) -> str | None:
    """None when a class of ``places`` defines ``method``, else why not."""
    problems = []
    for place in places:
        path, cls = place.split()
        resolution = resolver.resolve(SourceRef(path, f"{cls}.{method}", line))
        if resolution.ok and resolution.qualname == f"{cls}.{method}":
            return None
        problems.append(resolution.problem or f"{path} has no {cls}.{method}()")
    return ", and ".join(problems)


@dataclass
class Report:
    """All workflows checked by one run."""

    workflows: list[WorkflowCheck] = field(default_factory=list)

    @property
    def references(self) -> int:
        return sum(w.references for w in self.workflows)

    @property
    def resolved(self) -> int:
        return sum(w.resolved for w in self.workflows)

    @property
    def problems(self) -> list[Problem]:
        return [p for w in self.workflows for p in w.problems]

    def claims(self) -> dict[str, dict[str, int]]:
        """Per kind: claims verified and failed (and unchecked, if any)."""
        totals: dict[str, dict[str, int]] = {}
        for kind in KINDS:
            verified, failed, unchecked = (
                sum(w.claims[kind][i] for w in self.workflows) for i in range(3)
            )
            totals[kind] = {"verified": verified, "failed": failed}
            if unchecked:
                totals[kind]["unchecked"] = unchecked
        return totals

    def to_json(self) -> dict[str, object]:
        return {
            "workflows": len(self.workflows),
            "references": self.references,
            "resolved": self.resolved,
            "claims": self.claims(),
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "message": p.message,
                    "workflow": p.workflow,
                }
                for p in self.problems
            ],
        }

    def table(self) -> str:
        """Claims by kind, then a summary by project: workflows, references,
        resolved, problems."""
        groups: dict[str, list[WorkflowCheck]] = {}
        for check in self.workflows:
            is_file = check.workflow.endswith(".wsd")
            project = "(files)" if is_file else check.workflow.split("/", 1)[0]
            groups.setdefault(project, []).append(check)
        rows = [("project", "workflows", "references", "resolved", "problems")]
        rows += [(project, *_counts(checks)) for project, checks in groups.items()]
        rows.append(("total", *_counts(self.workflows)))
        claims = [("claims", "verified", "failed", "unchecked", "")]
        claims += [
            (kind, str(n["verified"]), str(n["failed"]), str(n.get("unchecked", 0)), "")
            for kind, n in self.claims().items()
        ]
        rows = [*claims, ("", "", "", "", ""), *rows]  # the total stays last
        width = max(len(row[0]) for row in rows)
        return "\n".join(
            (
                f"{row[0]:<{width}}" + "".join(f"  {cell:>10}" for cell in row[1:])
            ).rstrip()
            for row in rows
        )


def _counts(checks: list[WorkflowCheck]) -> tuple[str, ...]:
    numbers = (
        len(checks),
        sum(c.references for c in checks),
        sum(c.resolved for c in checks),
        sum(len(c.problems) for c in checks),
    )
    return tuple(map(str, numbers))

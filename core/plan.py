"""The plan document: what ``aiscale plan`` reports about a stack, and its JSON contract.

The JSON form is a public contract (docs/plan-json.md). Keys are only ever added; the meaning of an existing
key never changes. ``schemaVersion`` changes only if that promise has to be broken.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from aiscale.core.config.environment import FALLBACK, unknown_environment_warning
from aiscale.core.cost import StackEstimate, estimate, from_registrations
from aiscale.core.engine import RecordedRun, Registration

SCHEMA_VERSION = 1

Enforcement = Literal["mandatory", "advisory"]


@dataclass(frozen=True)
class Violation:
    """A policy finding. ``urn`` is None for a stack-level finding."""

    policy: str
    enforcement: Enforcement
    urn: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "enforcement": self.enforcement, "urn": self.urn, "message": self.message}


@dataclass(frozen=True)
class Waived:
    """A finding a waiver covers: reported as not applicable, with the waiver's reason."""

    policy: str
    urn: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "urn": self.urn, "reason": self.reason}


@dataclass(frozen=True)
class NotEvaluated:
    """A policy that did not judge a resource: a value it reads is unknown before deployment (``unknown``), or
    the policy said why it does not apply there (``not-applicable``)."""

    policy: str
    urn: str
    message: str
    kind: Literal["unknown", "not-applicable"] = "unknown"

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "urn": self.urn, "message": self.message, "kind": self.kind}


@dataclass(frozen=True)
class Disabled:
    """A finding of a policy the stack disabled: not a violation, never hidden."""

    policy: str
    urn: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "urn": self.urn, "message": self.message}


@dataclass
class PolicyReport:
    violations: list[Violation] = field(default_factory=list)
    waived: list[Waived] = field(default_factory=list)
    not_evaluated: list[NotEvaluated] = field(default_factory=list)
    disabled: list[Disabled] = field(default_factory=list)
    levels: dict[str, str] = field(default_factory=dict)
    """Enforcement level of every policy in this stack."""
    lowered: list[Any] = field(default_factory=list)
    """Policies mandatory in prod that a central enforcement waiver lets this stack lower (each with
    ``to_json()``)."""
    environment: str = FALLBACK
    """The environment whose enforcement levels applied (the fallback when the stack's is unknown)."""
    config_file: str | None = None
    """The stack's policy config file, when it has one."""


@dataclass
class Plan:
    run: RecordedRun
    violations: list[Violation] = field(default_factory=list)
    policy_pack: str | None = None
    """Name of the policy pack evaluated against the run; None when no pack was evaluated."""
    waived: list[Waived] = field(default_factory=list)
    """Findings covered by a waiver: not violations, never hidden."""
    not_evaluated: list[NotEvaluated] = field(default_factory=list)
    """Policies that could not run on a resource because a value is unknown before deployment."""
    policy_levels: dict[str, str] = field(default_factory=dict)
    """Enforcement level of every policy for this stack."""
    disabled: list[Disabled] = field(default_factory=list)
    """Findings of policies the stack disabled: reported, never hidden."""
    lowered: list[Any] = field(default_factory=list)
    """Policies mandatory in prod that a central enforcement waiver lets this stack lower."""
    policy_environment: str | None = None
    """The environment whose enforcement levels applied; None when no pack was evaluated."""

    def record_policies(self, pack: str, report: PolicyReport) -> None:
        """Take the results of evaluating ``pack``."""
        self.policy_pack = pack
        self.violations = report.violations
        self.waived = report.waived
        self.not_evaluated = report.not_evaluated
        self.policy_levels = report.levels
        self.disabled = report.disabled
        self.lowered = report.lowered
        self.policy_environment = report.environment

    @property
    def environment_warning(self) -> str | None:
        """Set when the stack's environment is unknown: says so, and which enforcement applied."""
        if self.run.environment is not None:
            return None
        return unknown_environment_warning(self.run.stack, self.policy_environment)

    @property
    def resources(self) -> list[Registration]:
        return self.run.registrations

    @property
    def mandatory_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "mandatory"]

    @cached_property
    def cost(self) -> StackEstimate:
        """Monthly floor, ceiling and expected cost from the price table (offline, no network)."""
        return estimate(from_registrations(self.resources), self.run.environment)

    def exit_code(self) -> int:
        return 1 if self.mandatory_violations else 0

    def summary(self) -> dict[str, Any]:
        custom = [r for r in self.resources if r.custom]
        return {
            "resources": len(custom),
            "components": len(self.resources) - len(custom),
            "protected": sum(1 for r in self.resources if r.protect),
            "byType": dict(sorted(Counter(r.type for r in custom).items())),
            "violations": {
                "mandatory": len(self.mandatory_violations),
                "advisory": sum(1 for v in self.violations if v.enforcement == "advisory"),
                "waived": len(self.waived),
                "disabled": len(self.disabled),
            },
        }

    def to_json(self) -> dict[str, Any]:
        run = self.run
        return {
            "schemaVersion": SCHEMA_VERSION,
            "stack": run.stack,
            "project": run.project.name,
            "environment": run.environment,
            "preview": run.preview,
            "resources": [_resource_json(r) for r in self.resources],
            "outputs": run.stack_outputs,
            "policyPack": self.policy_pack,
            "violations": [v.to_json() for v in self.violations],
            "waived": [w.to_json() for w in self.waived],
            "notEvaluated": [n.to_json() for n in self.not_evaluated],
            "disabled": [d.to_json() for d in self.disabled],
            "loweredPolicies": [lowered.to_json() for lowered in self.lowered],
            "policyEnvironment": self.policy_environment,
            "environmentWarning": self.environment_warning,
            "summary": self.summary(),
            "notes": list(run.notes),
            "warnings": list(run.warnings),
            "cost": self.cost.to_json(),
        }


def _resource_json(resource: Registration) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if resource.ignore_changes:
        options["ignoreChanges"] = resource.ignore_changes
    if resource.delete_before_replace:
        options["deleteBeforeReplace"] = True
    if resource.retain_on_delete:
        options["retainOnDelete"] = True
    if resource.custom_timeouts:
        options["customTimeouts"] = resource.custom_timeouts
    if resource.additional_secret_outputs:
        options["additionalSecretOutputs"] = resource.additional_secret_outputs
    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "parent": resource.parent,
        "custom": resource.custom,
        "inputs": resource.inputs,
        "protect": resource.protect,
        "dependencies": resource.dependencies,
        "propertyDependencies": {k: v for k, v in resource.property_dependencies.items() if v},
        "provider": resource.provider,
        "options": options,
        "read": resource.read,
        "source": str(resource.source) if resource.source else None,
        "programSource": str(resource.program_source) if resource.program_source else None,
        "outputs": resource.outputs,
    }

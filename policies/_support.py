"""How aiscale policies are declared: a :class:`Rule` (id, anchors, severity, what an absent field means,
remediation, config schema) plus a check function, turned into a CrossGuard policy that also applies waivers.

Checks are plain functions that yield violation messages; they never report directly. The wrapper decides:
a finding covered by a valid waiver makes the policy *not applicable* for that resource with the waiver's reason
(visible in every report, never silent), any other finding is reported. Config each policy receives (from the
offline engine, or from ``--policy-pack-config`` in a real preview): its thresholds, ``environment``, ``level``
(its enforcement level there) and the stack's own ``waivers``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from aiscale.policies import waivers

CATALOGUE_URL = "docs/policies.md#{policy}"
#: Keys every policy's config may carry besides its thresholds (set by aiscale, not by users).
RESERVED_CONFIG = {
    "environment": {"type": "string", "enum": ["dev", "staging", "prod"]},
    "level": {"type": "string", "enum": ["advisory", "mandatory", "disabled"]},
    "waivers": {"type": "array", "items": {"type": "object"}},
}


@dataclass(frozen=True)
class Rule:
    """Everything a reader and a report need to know about one policy."""

    id: str
    """Stable id (``ml-<area>-<nn>``): the policy name, the SARIF rule id and the docs anchor."""
    title: str
    description: str
    severity: Severity
    anchors: tuple[str, ...]
    """Checkov / Trivy / KICS / Azure Policy / Org Policy / Kyverno ids of the same intent."""
    absent: str
    """What an absent property means for this rule."""
    remediation: str
    area: str
    """Section in the docs: ``AKS``, ``GKE``, ``Kubernetes``, ``Stack`` ..."""
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON schema of the thresholds (each with a ``default``)."""

    def defaults(self) -> dict[str, Any]:
        return {key: schema["default"] for key, schema in self.config.items() if "default" in schema}

    def schema(self) -> PolicyConfigSchema:
        return PolicyConfigSchema(properties={**RESERVED_CONFIG, **{k: dict(v) for k, v in self.config.items()}})

    def tags(self) -> list[str]:
        return [self.area.lower(), *self.anchors]


TypeMatcher = str | re.Pattern[str]


def azure_type(module: str, resource: str) -> re.Pattern[str]:
    """azure-native type tokens, default or explicitly versioned module (``keyvault/v20241101``)."""
    return re.compile(rf"^azure-native:{module}(/v[0-9a-z]+)?:{resource}$")


def type_matches(resource_type: str, types: Iterable[TypeMatcher]) -> bool:
    return any(t == resource_type if isinstance(t, str) else t.fullmatch(resource_type) for t in types)


def path(value: Any, *keys: str) -> Any:
    """Follow keys through mapping-like values; None when any level is absent."""
    for key in keys:
        if value is None or not hasattr(value, "get"):
            return None
        value = value.get(key)
    return value


class _Unknown:
    """A value a preview cannot know yet (an output of another resource)."""

    def __repr__(self) -> str:
        return "[unknown]"


UNKNOWN = _Unknown()


def known(value: Any, *keys: str) -> Any:
    """Like :func:`path`, but a value a preview cannot know yet comes back as :data:`UNKNOWN` instead of raising."""
    try:
        return path(value, *keys)
    except UnknownValueError:
        return UNKNOWN


def has(value: Any, *keys: str) -> bool:
    """Whether the property is set (known or not): "is a key configured" needs no value."""
    found = known(value, *keys)
    return found is UNKNOWN or found not in (None, "", [], {})


def each(value: Any) -> list[Any]:
    """Elements of a list-like property, unknown ones as :data:`UNKNOWN` (absent or unknown list: empty)."""
    if value is None or value is UNKNOWN or isinstance(value, str | bytes):
        return []
    found = []
    for index in range(len(value)):
        try:
            found.append(value[index])
        except UnknownValueError:
            found.append(UNKNOWN)
    return found


def items(value: Any) -> list[Any]:
    """A list-like property as a list (absent: empty)."""
    return list(value) if value is not None and not isinstance(value, str | bytes) else []


def config_number(config: Mapping[str, Any], key: str, rule: Rule) -> float:
    return float(config.get(key, rule.defaults()[key]))


Check = Callable[[ResourceValidationArgs, Mapping[str, Any]], Iterable[str]]
NOT_EVALUATED = "not evaluated:"
"""How a stack policy's not-applicable reason marks a resource it could not judge (``<urn> not evaluated: why``)."""


@dataclass(frozen=True)
class NotEvaluated:
    """A resource a stack check could not judge, and why: reported as not evaluated, never skipped silently."""

    reason: str
    resource: PolicyResource


StackCheck = Callable[[StackValidationArgs, Mapping[str, Any]], Iterable[tuple[str, PolicyResource] | NotEvaluated]]


def _config(args: ResourceValidationArgs | StackValidationArgs, rule: Rule) -> dict[str, Any]:
    return {**rule.defaults(), **(args.get_config() or {})}


def resource_policy(rule: Rule, types: tuple[TypeMatcher, ...], check: Check) -> ResourceValidationPolicy:
    """A CrossGuard resource policy for ``rule`` on resources of ``types``."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not type_matches(args.resource_type, types):
            return
        config = _config(args, rule)
        messages = list(check(args, config))
        if not messages:
            return
        waiver = waivers.find(rule.id, args.urn, config)
        if waiver is not None:
            args.not_applicable(waiver.note)
        for message in messages:
            report(message + waivers.expired_note(rule.id, args.urn, config), None)

    policy = ResourceValidationPolicy(
        name=rule.id,
        display_name=rule.title,
        description=rule.description,
        validate=validate,
        severity=rule.severity,
        config_schema=rule.schema(),
        tags=rule.tags(),
        remediation_steps=rule.remediation,
        url=CATALOGUE_URL.format(policy=rule.id),
    )
    policy.aiscale_rule = rule  # type: ignore[attr-defined]
    policy.aiscale_types = types  # type: ignore[attr-defined]
    return policy


def stack_policy(rule: Rule, types: tuple[TypeMatcher, ...], check: StackCheck) -> StackValidationPolicy:
    """A CrossGuard stack policy for ``rule``: findings name the resource they are about.

    ``types`` are the resource types the check reads: the offline engine hands it only those (the analyzer
    deserialises every resource once per stack policy); a real preview hands it all, with the same result.
    """

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        config = _config(args, rule)
        waived = []
        for found in check(args, config):
            if isinstance(found, NotEvaluated):
                waived.append(f"{found.resource.urn} {NOT_EVALUATED} {found.reason}")
                continue
            message, resource = found
            waiver = waivers.find(rule.id, resource.urn, config)
            if waiver is None:
                report(message + waivers.expired_note(rule.id, resource.urn, config), resource.urn)
            else:
                waived.append(f"{resource.urn} {waiver.note}")
        if waived:
            # One not-applicable entry for the stack (waived and not evaluated resources): the analyzer keeps the
            # findings reported above.
            args.not_applicable("; ".join(waived))

    policy = StackValidationPolicy(
        name=rule.id,
        display_name=rule.title,
        description=rule.description,
        validate=validate,
        severity=rule.severity,
        config_schema=rule.schema(),
        tags=rule.tags(),
        remediation_steps=rule.remediation,
        url=CATALOGUE_URL.format(policy=rule.id),
    )
    policy.aiscale_rule = rule  # type: ignore[attr-defined]
    policy.aiscale_stack_types = types  # type: ignore[attr-defined]
    return policy

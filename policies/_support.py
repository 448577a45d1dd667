"""How aiscale policies are declared: a :class:`Rule` (id, anchors, severity, what an absent field means,
remediation, config schema) plus a check function, turned into a CrossGuard policy that also applies waivers.

Checks are plain functions that yield violation messages; they never report directly. The wrapper decides:
a finding covered by a valid waiver makes the policy *not applicable* for that resource with the waiver's reason
(visible in every report, never silent), any other finding is reported. Config each policy receives (from the
offline engine, or from ``--policy-pack-config`` in a real preview): its thresholds, ``environment``, ``level``
(its enforcement level there) and the stack's own ``waivers``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidation,
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


TypeMatcher = str | re.Pattern[str] | Callable[[str], bool]
"""A type token, a pattern of tokens, or a predicate on the token (a family the installed SDK decides)."""


def azure_type(module: str, resource: str) -> re.Pattern[str]:
    """azure-native type tokens, default or explicitly versioned module (``keyvault/v20241101``)."""
    return re.compile(rf"^azure-native:{module}(/v[0-9a-z]+)?:{resource}$")


def type_matches(resource_type: str, types: Iterable[TypeMatcher]) -> bool:
    return any(
        t == resource_type
        if isinstance(t, str)
        else bool(t.fullmatch(resource_type))
        if isinstance(t, re.Pattern)
        else t(resource_type)
        for t in types
    )


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
    if found is UNKNOWN:
        return True
    try:
        return found not in (None, "", [], {})
    except UnknownValueError:
        return True  # a mapping whose members are not known yet: set, all the same


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


def classic_type(module: str, resource: str) -> str:
    """Type token of the classic ``pulumi-azure`` provider (``azure:keyvault/keyVault:KeyVault``)."""
    return f"azure:{module}/{resource[0].lower()}{resource[1:]}:{resource}"


#: Python package of each provider SDK whose classes policies look up by type token.
SDK_PACKAGES = {"azure-native": "pulumi_azure_native", "azure": "pulumi_azure", "gcp": "pulumi_gcp"}


@functools.cache
def sdk_inputs(resource_type: str) -> frozenset[str] | None:
    """The input names (Python) the installed provider SDK's class for ``resource_type`` accepts; None when that
    SDK or class is not installed (a real preview whose policy pack lacks the program's SDK)."""
    package, _, rest = resource_type.partition(":")
    module, _, name = rest.rpartition(":")
    if package not in SDK_PACKAGES or not module:
        return None
    # azure-native modules are folders (``keyvault/v20241101``); bridged providers name ``module/resource``.
    python_module = module.replace("/", ".") if package == "azure-native" else module.split("/")[0]
    try:
        cls = getattr(importlib.import_module(f"{SDK_PACKAGES[package]}.{python_module}"), name)
        return frozenset(inspect.signature(cls._internal_init).parameters)
    except (ImportError, AttributeError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Field:
    """One property a rule reads: where a provider keeps it (wire names, read from the installed SDK) and what
    an absent value stands for."""

    path: tuple[str, ...]
    absent: Any = None
    """The value an absent property stands for: the provider's or the API's documented default."""
    sdk: str | None = None
    """``module:Class.attribute`` of the installed SDK whose docstring states that default."""
    says: str | None = None
    """The phrase of that docstring that states it (``tests/test_policy_defaults.py`` checks it is still there)."""
    means: Callable[[Any], Any] | None = None
    """How a set value reads, when it differs from the concept: :func:`is_set` for a block that turns a feature
    on by its presence (the classic provider's ``omsAgent``), :func:`inverted` for a switch of opposite sense."""

    def read(self, props: Any) -> Any:
        """The concept's value: the documented default when absent, :data:`UNKNOWN` when not yet known."""
        value = known(props, *self.path)
        if value is None:
            return self.absent
        return value if self.means is None or value is UNKNOWN else self.means(value)


def is_set(_value: Any) -> bool:
    """A property whose presence alone turns the feature on."""
    return True


def inverted(value: Any) -> Any:
    """A switch of the opposite sense (``disableLocalAuth`` for "local auth enabled")."""
    return not value if isinstance(value, bool) else value


@dataclass(frozen=True)
class Shape:
    """How one provider's resource types lay out the properties a family of rules reads: rules name a concept
    (``purge_protection``), each provider's shape says where it lives and what its absence means."""

    provider: str
    types: tuple[TypeMatcher, ...]
    fields: Mapping[str, Field]

    def view(self, props: Any) -> View:
        return View(self, props)


class View:
    """A resource's properties read through its provider's :class:`Shape`."""

    def __init__(self, shape: Shape, props: Any) -> None:
        self.shape = shape
        self.props = props

    def __getitem__(self, name: str) -> Any:
        return self.shape.fields[name].read(self.props)

    def has(self, name: str) -> bool:
        """Whether the concept is set (known or not); a concept the provider lacks is never set."""
        found = self.shape.fields.get(name)
        return found is not None and has(self.props, *found.path)

    def path(self, name: str) -> str:
        """The property's wire path, for messages (``apiServerAccessProfile.authorizedIPRanges``)."""
        return ".".join(self.shape.fields[name].path)


def shape_for(shapes: Sequence[Shape], resource_type: str) -> Shape:
    """The shape among ``shapes`` that lays out ``resource_type`` (the policy's types guarantee one does)."""
    return next(shape for shape in shapes if type_matches(resource_type, shape.types))


def view_of(shapes: Sequence[Shape], args: ResourceValidationArgs) -> View:
    return shape_for(shapes, args.resource_type).view(args.props)


def types_of(*shapes: Shape) -> tuple[TypeMatcher, ...]:
    return tuple(t for shape in shapes for t in shape.types)


def switched_on(value: Any) -> bool:
    """Whether a setting is on, whichever way the provider spells it (``True``, ``"Enabled"``, ``"true"``)."""
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("enabled", "true")


def provider_property(resource: Any, key: str) -> Any:
    """``key`` of the provider a resource is registered with (its explicit provider's inputs, or the default
    provider's stack config such as ``azure-native:location``); None when absent or unknown."""
    provider = getattr(resource, "provider", None)
    found = known(provider.props, key) if provider is not None else None
    return None if found is UNKNOWN else found


#: Provider config keys that stand for a resource's own placement, by what the resource calls it.
PROVIDER_PLACEMENT = {"location": ("location", "region"), "project": ("project",), "region": ("region",)}


def placement(resource: Any, key: str) -> Any:
    """A resource's ``location``, ``project`` or ``region``: its own property, else its provider's config
    (``azure-native:location``, ``azure:location``, ``gcp:project``, ``gcp:region``); None when neither says."""
    own = known(resource.props, key)
    if own is not None:
        return own
    for provider_key in PROVIDER_PLACEMENT.get(key, (key,)):
        value = provider_property(resource, provider_key)
        if value not in (None, ""):
            return value
    return None


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


class _Declared(TypedDict):
    name: str
    display_name: str
    description: str
    severity: Severity
    config_schema: PolicyConfigSchema
    tags: list[str]
    remediation_steps: str
    url: str


def _declared(rule: Rule) -> _Declared:
    """What CrossGuard shows of a policy, resource or stack: all of it from the policy's rule."""
    return {
        "name": rule.id,
        "display_name": rule.title,
        "description": rule.description,
        "severity": rule.severity,
        "config_schema": rule.schema(),
        "tags": rule.tags(),
        "remediation_steps": rule.remediation,
        "url": CATALOGUE_URL.format(policy=rule.id),
    }


class RuleResourcePolicy(ResourceValidationPolicy):
    """A CrossGuard resource policy carrying its rule and the resource types it checks."""

    def __init__(self, rule: Rule, types: tuple[TypeMatcher, ...], validate: ResourceValidation) -> None:
        super().__init__(validate=validate, **_declared(rule))
        self.aiscale_rule = rule
        self.aiscale_types = types


class RuleStackPolicy(StackValidationPolicy):
    """A CrossGuard stack policy carrying its rule, the resource types its check reads and those of which it reads
    only the first."""

    def __init__(
        self,
        rule: Rule,
        types: tuple[TypeMatcher, ...],
        validate: StackValidation,
        first_of: tuple[TypeMatcher, ...] = (),
    ) -> None:
        super().__init__(validate=validate, **_declared(rule))
        self.aiscale_rule = rule
        self.aiscale_stack_types = types
        self.aiscale_stack_first_of = first_of


#: A policy of the pack.
RulePolicy = RuleResourcePolicy | RuleStackPolicy


def resource_policy(rule: Rule, types: tuple[TypeMatcher, ...], check: Check) -> RuleResourcePolicy:
    """A CrossGuard resource policy for ``rule`` on resources of ``types``."""

    applies: dict[str, bool] = {}  # per resource type: a real preview hands every resource to every policy

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        matched = applies.get(args.resource_type)
        if matched is None:
            matched = applies[args.resource_type] = type_matches(args.resource_type, types)
        if not matched:
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

    return RuleResourcePolicy(rule, types, validate)


def stack_policy(
    rule: Rule, types: tuple[TypeMatcher, ...], check: StackCheck, first_of: tuple[TypeMatcher, ...] = ()
) -> RuleStackPolicy:
    """A CrossGuard stack policy for ``rule``: findings name the resource they are about.

    ``types`` are the resource types the check reads: the offline engine hands it only those (the analyzer
    deserialises every resource once per stack policy); a real preview hands it all, with the same result.
    Of ``first_of`` the check reads only the first resource in program order that ``types`` does not select (it
    asks whether there is one and names it): the offline engine hands it that one.
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

    return RuleStackPolicy(rule, types, validate, first_of)

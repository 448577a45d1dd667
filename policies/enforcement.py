"""Enforcement by environment, through configuration: which policy is mandatory, advisory or disabled where.

``policies/enforcement.yaml`` holds the defaults per environment (the catalogue's "Prod" column: mandatory in prod
for M rows, mandatory everywhere for "M everywhere" rows, advisory otherwise). A stack can set levels and
thresholds and carry its own waivers in ``Policy.<stack>.yaml`` next to its ``Pulumi.<stack>.yaml``. **In prod
that file may raise levels and tighten thresholds but never lower a policy that is mandatory in prod**: lowering
it (advisory, disabled) or loosening its thresholds needs a central enforcement waiver in
``policies/waivers.yaml``. Thresholds named ``max…`` loosen upwards, ``min…`` downwards, ``require…`` by turning
false; other thresholds describe facts (a currency) and may change. The result is one config per policy — its
level plus properties (thresholds, ``environment``, ``level``, ``waivers``) — the same for the offline engine and
for ``pulumi preview --policy-pack-config`` (``aiscale policy-config STACK`` writes that file).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aiscale.core import strict_yaml
from aiscale.policies import waivers
from aiscale.policies.waivers import PolicyId

DEFAULTS = "enforcement.yaml"
ENVIRONMENTS = ("dev", "staging", "prod")
Level = Literal["mandatory", "advisory", "disabled"]
ThresholdName = Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9]*$")]


class EnforcementError(ValueError):
    """An enforcement or stack policy file does not validate; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class EnvironmentLevels(_Strict):
    dev: Level = "advisory"
    staging: Level = "advisory"
    prod: Level = "advisory"


class StackPolicyConfig(_Strict):
    """``Policy.<stack>.yaml``: a stack's own enforcement levels, thresholds and waivers."""

    enforcement: dict[PolicyId, Level] = Field(default_factory=dict)
    """Raise (or, outside prod, lower) the level of a policy for this stack."""
    thresholds: dict[PolicyId, dict[ThresholdName, Any]] = Field(default_factory=dict)
    """Threshold overrides by policy (names and types from each policy's config schema)."""
    waivers: list[dict[str, Any]] = Field(default_factory=list)
    """Waivers for this stack (see ``aiscale.policies.waivers``); never for prod's mandatory policies."""


@dataclass(frozen=True)
class Lowered:
    """A policy mandatory in prod that a prod stack lowers under a central enforcement waiver."""

    policy: str
    level: Level
    waiver: str
    """The waiver's ticket, owner, expiry and reason."""

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "level": self.level, "waiver": self.waiver}


@dataclass
class PolicyConfig:
    """Level and properties of every policy for one stack, and what a central waiver lowered."""

    policies: dict[str, tuple[Level, dict[str, Any]]]
    lowered: list[Lowered] = field(default_factory=list)


def _problems(error: ValidationError) -> str:
    return "\n".join(
        f"  {'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
        for e in error.errors(include_url=False)
    )


def _load_yaml(data: bytes, source: str) -> Any:
    try:
        return strict_yaml.load(data, source)
    except strict_yaml.YamlInputError as error:
        raise EnforcementError(str(error)) from None


@functools.cache
def defaults() -> dict[str, EnvironmentLevels]:
    """The levels of ``policies/enforcement.yaml`` by policy id."""
    source = f"policies/{DEFAULTS}"
    data = _load_yaml(resources.files("aiscale.policies").joinpath(DEFAULTS).read_bytes(), source)
    try:
        return {str(policy): EnvironmentLevels.model_validate(levels or {}) for policy, levels in (data or {}).items()}
    except ValidationError as error:
        raise EnforcementError(f"invalid enforcement levels in {source}:\n{_problems(error)}") from None


def load_stack_config(path: Path | None, shown_as: str | None = None) -> StackPolicyConfig:
    """Read a stack's policy config; an absent file is an empty config."""
    if path is None or not path.exists():
        return StackPolicyConfig()
    source = shown_as or str(path)
    try:
        data = strict_yaml.read(path, source)
    except strict_yaml.YamlInputError as error:
        raise EnforcementError(str(error)) from None
    if data is not None and not isinstance(data, dict):
        raise EnforcementError(f"{source}: expected a mapping with enforcement, thresholds and waivers")
    try:
        config = StackPolicyConfig.model_validate(data or {})
    except ValidationError as error:
        raise EnforcementError(f"invalid policy config in {source}:\n{_problems(error)}") from None
    try:
        waivers.parse({"waivers": config.waivers}, source, central=False)  # validate now, with the file's name
    except waivers.WaiverError as error:
        raise EnforcementError(str(error)) from None
    return config


def policy_config(
    rules: Mapping[str, Mapping[str, Mapping[str, Any]]],
    environment: str,
    stack: StackPolicyConfig,
    source: str,
    *,
    stack_name: str,
    from_stack: Mapping[str, Mapping[str, Any]] | None = None,
) -> PolicyConfig:
    """Level and config properties of every policy: ``rules`` maps policy ids to their threshold schemas;
    ``from_stack`` holds thresholds the stack's own config sets (``aiscale:allowed_locations``), which the
    policy file's thresholds override.

    Raises EnforcementError listing every problem: unknown policies or thresholds, thresholds of the wrong type,
    waivers for policies the pack does not have, and (in prod) lowering a mandatory policy without a central
    enforcement waiver.
    """
    if environment not in ENVIRONMENTS:
        raise EnforcementError(f"environment {environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    unknown = sorted((set(stack.enforcement) | set(stack.thresholds) | set(defaults())) - set(rules))
    if unknown:
        raise EnforcementError(f"{source}: unknown policies {unknown}; known: {', '.join(sorted(rules))}")
    problems = _waiver_policies(stack, rules, source)
    for policy, values in sorted(stack.thresholds.items()):
        bad = sorted(set(values) - set(rules[policy]))
        if bad:
            problems.append(
                f"{source}: thresholds.{policy}: unknown keys {bad}; expected one of: "
                f"{', '.join(sorted(rules[policy])) or '(none)'}"
            )
        for key in sorted(set(values) & set(rules[policy])):
            problem = _type_problem(values[key], rules[policy][key])
            if problem:
                problems.append(f"{source}: thresholds.{policy}.{key}: {problem}")
    if problems:
        raise EnforcementError("\n".join(problems))

    result = PolicyConfig({})
    for policy, schema in rules.items():
        default: Level = getattr(defaults().get(policy, EnvironmentLevels()), environment)
        level = stack.enforcement.get(policy, default)
        properties: dict[str, Any] = {key: spec["default"] for key, spec in schema.items() if "default" in spec}
        properties.update((from_stack or {}).get(policy, {}))
        loosened = [key for key, value in stack.thresholds.get(policy, {}).items() if _looser(key, value, properties)]
        properties.update(stack.thresholds.get(policy, {}))
        if environment == "prod" and default == "mandatory" and (level != "mandatory" or loosened):
            lowering = level if level != "mandatory" else "thresholds"
            waiver = waivers.enforcement_waiver(policy, stack_name, lowering)
            if waiver is None:
                problems.append(_floor_problem(source, policy, level, loosened))
                continue
            result.lowered.append(Lowered(policy, level, waiver.note))
        properties["environment"] = environment
        properties["level"] = level
        own = [w for w in stack.waivers if w.get("policy") == policy]
        if own:
            properties["waivers"] = own
        result.policies[policy] = (level, properties)
    if problems:
        raise EnforcementError("\n".join(problems))
    return result


def _waiver_policies(stack: StackPolicyConfig, rules: Mapping[str, Any], source: str) -> list[str]:
    """Waivers, central or the stack's, for a policy the pack does not have (a typo waives nothing)."""
    registry = waivers.registry_settings()
    entries = [
        *((source, f"waivers.{i}", w.get("policy")) for i, w in enumerate(stack.waivers)),
        *((f"policies/{waivers.REGISTRY}", f"waivers.{i}", w.policy) for i, w in enumerate(registry.waivers)),
        *(
            (f"policies/{waivers.REGISTRY}", f"enforcement_waivers.{i}", w.policy)
            for i, w in enumerate(registry.enforcement_waivers)
        ),
    ]
    return [
        f"{where}: {field}.policy: {policy!r} is not a policy of the pack"
        for where, field, policy in entries
        if policy not in rules
    ]


_TYPES: dict[str, tuple[type, ...]] = {
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "string": (str,),
    "array": (list,),
    "object": (dict,),
}


def _type_problem(value: Any, spec: Mapping[str, Any]) -> str | None:
    """Why ``value`` does not fit a threshold's JSON schema (the subset the pack's schemas use), or None."""
    expected = spec.get("type")
    types = _TYPES.get(str(expected))
    wrong_bool = isinstance(value, bool) and expected in ("number", "integer")
    if types is not None and (not isinstance(value, types) or wrong_bool):
        return f"expected {'an' if str(expected)[0] in 'aeiou' else 'a'} {expected}{_got(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"expected a finite number{_got(value)}"
    if "minimum" in spec and isinstance(value, int | float) and value < spec["minimum"]:
        return f"must be at least {spec['minimum']}{_got(value)}"
    if "maximum" in spec and isinstance(value, int | float) and value > spec["maximum"]:
        return f"must be at most {spec['maximum']}{_got(value)}"
    if "enum" in spec and value not in spec["enum"]:
        return f"expected one of {', '.join(map(str, spec['enum']))}{_got(value)}"
    if "pattern" in spec and isinstance(value, str) and not re.search(spec["pattern"], value):
        return f"must match {spec['pattern']}{_got(value)}"
    return None


def _got(value: Any) -> str:
    text = repr(value)
    return f" (got {text if len(text) <= 40 else text[:37] + '...'})" if not isinstance(value, dict | list) else ""


def _looser(key: str, value: Any, defaults: Mapping[str, Any]) -> bool:
    """Whether a threshold value is looser than the policy's default, by the naming convention of the module."""
    default = defaults.get(key)
    if default is None:
        return False
    if key.startswith("max"):
        return bool(value > default)
    if key.startswith("min"):
        return bool(value < default)
    if key.startswith("require"):
        return bool(default) and not value
    return False


def _floor_problem(source: str, policy: str, level: Level, loosened: list[str]) -> str:
    what = (
        f"enforcement.{policy}: {level!r} lowers a policy that is mandatory in prod"
        if level != "mandatory"
        else f"thresholds.{policy}: {', '.join(loosened)} loosened for a policy that is mandatory in prod"
    )
    return (
        f"{source}: {what}; a prod stack may only raise levels and tighten thresholds. Lowering it needs a "
        f"central enforcement waiver in policies/{waivers.REGISTRY} (owner, reason, ticket, expiry)"
    )


def cli_config(config: PolicyConfig) -> dict[str, Any]:
    """The ``--policy-pack-config`` document of a real ``pulumi preview``: every policy with an explicit level."""
    return {
        "all": "advisory",
        **{
            policy: {"enforcementLevel": level, **properties}
            for policy, (level, properties) in sorted(config.policies.items())
        },
    }

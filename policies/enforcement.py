"""Enforcement by environment, through configuration: which policy is mandatory, advisory or disabled where.

``policies/enforcement.yaml`` holds the defaults per environment (the catalogue's "Prod" column: mandatory in prod
for M rows, mandatory everywhere for "M everywhere" rows, advisory otherwise). A stack can raise or lower any level,
set thresholds and carry its own waivers in ``Policy.<stack>.yaml`` next to its ``Pulumi.<stack>.yaml``. The
result is one config per policy — its level plus properties (thresholds, ``environment``, ``level``,
``waivers``) — the same for the offline engine and for ``pulumi preview --policy-pack-config`` (``aiscale
policy-config STACK`` writes that file).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aiscale.policies import waivers
from aiscale.policies.waivers import PolicyId

DEFAULTS = "enforcement.yaml"
ENVIRONMENTS = ("dev", "staging", "prod")
Level = Literal["mandatory", "advisory", "disabled"]


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
    """Raise or lower the level of a policy for this stack."""
    thresholds: dict[PolicyId, dict[Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9]*$")], float | int | str]] = (
        Field(default_factory=dict)
    )
    """Threshold overrides by policy (names from each policy's config schema)."""
    waivers: list[dict[str, Any]] = Field(default_factory=list)
    """Waivers for this stack (see ``aiscale.policies.waivers``); never for prod's mandatory policies."""


def _problems(error: ValidationError) -> str:
    return "\n".join(
        f"  {'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
        for e in error.errors(include_url=False)
    )


def _load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise EnforcementError(f"{source}: not valid YAML ({error})") from None


@functools.cache
def defaults() -> dict[str, EnvironmentLevels]:
    """The levels of ``policies/enforcement.yaml`` by policy id."""
    source = f"policies/{DEFAULTS}"
    data = _load_yaml(resources.files("aiscale.policies").joinpath(DEFAULTS).read_text(encoding="utf-8"), source)
    try:
        return {str(policy): EnvironmentLevels.model_validate(levels or {}) for policy, levels in (data or {}).items()}
    except ValidationError as error:
        raise EnforcementError(f"invalid enforcement levels in {source}:\n{_problems(error)}") from None


def load_stack_config(path: Path | None, shown_as: str | None = None) -> StackPolicyConfig:
    """Read a stack's policy config; an absent file is an empty config."""
    if path is None or not path.is_file():
        return StackPolicyConfig()
    source = shown_as or str(path)
    data = _load_yaml(path.read_text(encoding="utf-8"), source)
    try:
        config = StackPolicyConfig.model_validate(data or {})
    except ValidationError as error:
        raise EnforcementError(f"invalid policy config in {source}:\n{_problems(error)}") from None
    waivers.parse({"waivers": config.waivers}, source, central=False)  # validate now, with the file's name
    return config


def policy_config(
    rules: Mapping[str, Mapping[str, Mapping[str, Any]]], environment: str, stack: StackPolicyConfig, source: str
) -> dict[str, tuple[Level, dict[str, Any]]]:
    """Level and config properties of every policy: ``rules`` maps policy ids to their threshold schemas."""
    if environment not in ENVIRONMENTS:
        raise EnforcementError(f"environment {environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    unknown = sorted((set(stack.enforcement) | set(stack.thresholds) | set(defaults())) - set(rules))
    if unknown:
        raise EnforcementError(f"{source}: unknown policies {unknown}; known: {', '.join(sorted(rules))}")
    for policy, values in stack.thresholds.items():
        bad = sorted(set(values) - set(rules[policy]))
        if bad:
            raise EnforcementError(
                f"{source}: thresholds.{policy}: unknown keys {bad}; expected one of: {', '.join(sorted(rules[policy])) or '(none)'}"
            )
    result: dict[str, tuple[Level, dict[str, Any]]] = {}
    for policy, schema in rules.items():
        level: Level = getattr(defaults().get(policy, EnvironmentLevels()), environment)
        level = stack.enforcement.get(policy, level)
        properties: dict[str, Any] = {key: spec["default"] for key, spec in schema.items() if "default" in spec}
        properties.update(stack.thresholds.get(policy, {}))
        properties["environment"] = environment
        properties["level"] = level
        own = [w for w in stack.waivers if w.get("policy") == policy]
        if own:
            properties["waivers"] = own
        result[policy] = (level, properties)
    return result


def cli_config(config: Mapping[str, tuple[Level, Mapping[str, Any]]]) -> dict[str, Any]:
    """The ``--policy-pack-config`` document of a real ``pulumi preview``: every policy with an explicit level."""
    return {
        "all": "advisory",
        **{policy: {"enforcementLevel": level, **properties} for policy, (level, properties) in sorted(config.items())},
    }

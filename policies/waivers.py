"""Waivers: reviewed, time-boxed exceptions to a policy for named resources.

The **central registry** (``policies/waivers.yaml``, shipped inside the pack) is the only place a mandatory policy
can be waived in prod, and the only place that lets a prod stack lower a mandatory policy's level or loosen its
thresholds (``enforcement_waivers``). A stack may carry its own waivers (``Policy.<stack>.yaml``, passed to the
policies as config); they apply outside prod, and in prod only to policies that are not mandatory there. A waiver
names the policy (one the pack has), the resource (a glob on its URN, or on its name when the pattern does not start
with ``urn:``), who owns it, the ticket and the expiry date, at most ``max_expiry_days`` ahead (set in the
registry); an expired waiver stops applying and the finding says so. A waived finding is reported as *not
applicable* with the waiver's reason: visible, never silent.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from aiscale.core import rules, strict_yaml

REGISTRY = "waivers.yaml"
WAIVED = "waived"
"""Every waived finding's reason starts with this word (reports classify by it)."""

PolicyId = Annotated[str, StringConstraints(pattern=r"^ml-[a-z0-9]+-[0-9]{2}$")]
DEFAULT_MAX_EXPIRY_DAYS = 365


Reason = Annotated[str, StringConstraints(min_length=10, max_length=500), AfterValidator(rules.not_blank)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(rules.not_blank)]
Glob = Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(rules.not_blank)]


class WaiverError(ValueError):
    """A waiver file does not validate; the message names the file and the field."""


class _Exception(BaseModel):
    """What every exception to a policy records: why, who answers for it, where it is tracked, until when."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    policy: PolicyId
    stacks: list[Glob] = Field(default_factory=lambda: ["*"])
    """Stack name globs the waiver applies to (central registry)."""
    reason: Reason
    owner: Label
    ticket: Label
    expires: datetime.date

    def for_stack(self, stack: str) -> bool:
        return any(fnmatchcase(stack, pattern) for pattern in self.stacks)


class Waiver(_Exception):
    """One exception to one policy for the resources it names."""

    resource: Glob
    """Glob on the resource URN (``urn:pulumi:prod::*::*GpuNodePool$*::*``) or on its name (``azure-gpu-*``)."""
    central: bool = False
    """Set by the loader: True for waivers of the central registry."""

    def covers(self, policy: str, urn: str) -> bool:
        if policy != self.policy:
            return False
        if not self.for_stack(urn.removeprefix("urn:pulumi:").split("::", 1)[0]):
            return False
        target = urn if self.resource.startswith("urn:") else urn.rsplit("::", 1)[-1]
        return fnmatchcase(target, self.resource)

    @property
    def note(self) -> str:
        source = "central registry" if self.central else "stack policy config"
        return f"{WAIVED} until {self.expires} ({source}, {self.ticket}, owner {self.owner}): {self.reason}"


LOWERINGS = ("thresholds", "advisory", "disabled")
"""What an enforcement waiver allows, each including the ones before it."""


class EnforcementWaiver(_Exception):
    """Central only: lets prod stacks lower a policy that is mandatory in prod (``Policy.<stack>.yaml``)."""

    allow: Literal["thresholds", "advisory", "disabled"]
    """``thresholds``: looser thresholds, still mandatory; ``advisory``: also the advisory level; ``disabled``:
    also disabling it (its findings are still reported, as disabled)."""

    def allows(self, lowering: str) -> bool:
        return LOWERINGS.index(lowering) <= LOWERINGS.index(self.allow)

    @property
    def note(self) -> str:
        return f"{self.ticket}, owner {self.owner}, until {self.expires}: {self.reason}"


class _Registry(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    waivers: list[Waiver] = Field(default_factory=list)


class _CentralFile(_Registry):
    max_expiry_days: int = Field(default=DEFAULT_MAX_EXPIRY_DAYS, ge=1, le=3660)
    """How far ahead any waiver (central or a stack's) may expire."""
    enforcement_waivers: list[EnforcementWaiver] = Field(default_factory=list)


@dataclass(frozen=True)
class CentralRegistry:
    """The central registry: its waivers, its enforcement waivers and the longest expiry it allows."""

    waivers: tuple[Waiver, ...]
    enforcement_waivers: tuple[EnforcementWaiver, ...]
    max_expiry_days: int


def today() -> datetime.date:
    """The date waivers are checked against (a seam for tests)."""
    return datetime.date.today()


def _validate(model: type[BaseModel], data: Any, source: str) -> Any:
    try:
        # JSON mode: dates arrive as text in YAML written by people and in policy config.
        return model.model_validate_json(json.dumps(data, default=str))
    except ValidationError as error:
        problems = [
            f"  {'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in error.errors(include_url=False)
        ]
        raise WaiverError(f"invalid waivers in {source}:\n" + "\n".join(problems)) from None


def _check_expiry(entries: Iterable[tuple[str, _Exception]], source: str, max_days: int) -> None:
    latest = today() + datetime.timedelta(days=max_days)
    problems = [
        f"  {where}.expires: {entry.expires} is more than {max_days} days ahead (at most {latest}: "
        f"max_expiry_days in policies/{REGISTRY}); renew a waiver instead of setting a far expiry"
        for where, entry in entries
        if entry.expires > latest
    ]
    if problems:
        raise WaiverError(f"invalid waivers in {source}:\n" + "\n".join(problems))


def parse(data: Any, source: str, *, central: bool, max_expiry_days: int | None = None) -> list[Waiver]:
    """Validate waivers from a file's data; errors name the file, the entry and the field."""
    if data is None:
        return []
    registry = _validate(_Registry, data, source)
    max_days = max_expiry_days if max_expiry_days is not None else registry_settings().max_expiry_days
    _check_expiry(((f"waivers.{i}", w) for i, w in enumerate(registry.waivers)), source, max_days)
    return [waiver.model_copy(update={"central": central}) for waiver in registry.waivers]


@functools.cache
def registry_settings() -> CentralRegistry:
    """The central registry shipped with the pack (read once)."""
    source = f"policies/{REGISTRY}"
    text = resources.files("aiscale.policies").joinpath(REGISTRY).read_bytes()
    try:
        data = strict_yaml.load(text, source)
    except strict_yaml.YamlInputError as error:
        raise WaiverError(str(error)) from None
    registry: _CentralFile = _validate(_CentralFile, data or {}, source)
    _check_expiry(
        [
            *((f"waivers.{i}", w) for i, w in enumerate(registry.waivers)),
            *((f"enforcement_waivers.{i}", w) for i, w in enumerate(registry.enforcement_waivers)),
        ],
        source,
        registry.max_expiry_days,
    )
    return CentralRegistry(
        tuple(w.model_copy(update={"central": True}) for w in registry.waivers),
        tuple(registry.enforcement_waivers),
        registry.max_expiry_days,
    )


def central() -> tuple[Waiver, ...]:
    """The central registry's waivers."""
    return registry_settings().waivers


def enforcement_waiver(policy: str, stack: str, lowering: str) -> EnforcementWaiver | None:
    """The valid central enforcement waiver that lets ``stack`` lower ``policy`` so far, if any."""
    day = today()
    return next(
        (
            w
            for w in registry_settings().enforcement_waivers
            if w.policy == policy and w.for_stack(stack) and w.allows(lowering) and w.expires >= day
        ),
        None,
    )


def _stack_waivers(config: Mapping[str, Any]) -> list[Waiver]:
    entries = config.get("waivers") or []
    if not entries:
        return []
    # Config arrives through the analyzer as proxies of dicts and lists: back to plain data first.
    plain = [{key: entry[key] for key in entry} for entry in entries]
    return parse({"waivers": plain}, "the stack policy config", central=False)


def _candidates(config: Mapping[str, Any]) -> Iterable[Waiver]:
    yield from central()
    if config.get("environment") == "prod" and config.get("level") == "mandatory":
        return  # in prod, mandatory policies accept only central waivers
    yield from _stack_waivers(config)


def find(policy: str, urn: str, config: Mapping[str, Any]) -> Waiver | None:
    """The valid waiver covering ``policy`` on ``urn``, if any."""
    day = today()
    return next((w for w in _candidates(config) if w.covers(policy, urn) and w.expires >= day), None)


def expired_note(policy: str, urn: str, config: Mapping[str, Any] | None = None) -> str:
    """`` (waiver T-1 expired on 2026-01-31)`` when only an expired waiver covers the finding."""
    day = today()
    expired = [w for w in _candidates(config or {}) if w.covers(policy, urn) and w.expires < day]
    if not expired:
        return ""
    latest = max(expired, key=lambda w: w.expires)
    return f" (waiver {latest.ticket} expired on {latest.expires})"

"""Waivers: reviewed, time-boxed exceptions to a policy for named resources.

The **central registry** (``policies/waivers.yaml``, shipped inside the pack) is the only place a mandatory policy
can be waived in prod. A stack may carry its own waivers (``Policy.<stack>.yaml``, passed to the policies as
config); they apply outside prod, and in prod only to policies that are not mandatory there. A waiver names the
policy, the resource (a glob on its URN, or on its name when the pattern does not start with ``urn:``), who owns it,
the ticket and the expiry date; an expired waiver stops applying and the finding says so. A waived finding is
reported as *not applicable* with the waiver's reason: visible, never silent.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from importlib import resources
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

REGISTRY = "waivers.yaml"
WAIVED = "waived"
"""Every waived finding's reason starts with this word (reports classify by it)."""

PolicyId = Annotated[str, StringConstraints(pattern=r"^ml-[a-z0-9]+-[0-9]{2}$")]


class WaiverError(ValueError):
    """A waiver file does not validate; the message names the file and the field."""


class Waiver(BaseModel):
    """One exception to one policy."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    policy: PolicyId
    resource: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    """Glob on the resource URN (``urn:pulumi:prod::*::*GpuNodePool$*::*``) or on its name (``azure-gpu-*``)."""
    stacks: list[Annotated[str, StringConstraints(min_length=1)]] = Field(default_factory=lambda: ["*"])
    """Stack name globs the waiver applies to (central registry)."""
    reason: Annotated[str, StringConstraints(min_length=10, max_length=500)]
    owner: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    ticket: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    expires: datetime.date
    central: bool = False
    """Set by the loader: True for waivers of the central registry."""

    def covers(self, policy: str, urn: str) -> bool:
        if policy != self.policy:
            return False
        stack = urn.removeprefix("urn:pulumi:").split("::", 1)[0]
        if not any(fnmatchcase(stack, pattern) for pattern in self.stacks):
            return False
        target = urn if self.resource.startswith("urn:") else urn.rsplit("::", 1)[-1]
        return fnmatchcase(target, self.resource)

    @property
    def note(self) -> str:
        source = "central registry" if self.central else "stack policy config"
        return f"{WAIVED} until {self.expires} ({source}, {self.ticket}, owner {self.owner}): {self.reason}"


class _Registry(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    waivers: list[Waiver] = Field(default_factory=list)


def today() -> datetime.date:
    """The date waivers are checked against (a seam for tests)."""
    return datetime.date.today()


def parse(data: Any, source: str, *, central: bool) -> list[Waiver]:
    """Validate waivers from a file's data; errors name the file, the entry and the field."""
    if data is None:
        return []
    try:
        # JSON mode: dates arrive as text in YAML written by people and in policy config.
        registry = _Registry.model_validate_json(_json(data))
    except ValidationError as error:
        problems = [
            f"  {'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in error.errors(include_url=False)
        ]
        raise WaiverError(f"invalid waivers in {source}:\n" + "\n".join(problems)) from None
    return [waiver.model_copy(update={"central": central}) for waiver in registry.waivers]


def _json(data: Any) -> str:
    import json  # noqa: PLC0415 - small helper, keeps the module's import list about what it does

    return json.dumps(data, default=str)


@functools.cache
def central() -> tuple[Waiver, ...]:
    """The central registry shipped with the pack."""
    text = resources.files("aiscale.policies").joinpath(REGISTRY).read_text(encoding="utf-8")
    return tuple(parse(yaml.safe_load(text), f"policies/{REGISTRY}", central=True))


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

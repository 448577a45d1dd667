"""Which environment a stack is in: ``aiscale:environment`` if the stack sets it, else what its name says.

The environment selects the config presets and the policy enforcement levels, so it must never be guessed
silently. A stack name gives the environment when it is ``dev``, ``staging`` or ``prod``, one of the aliases in
:data:`ALIASES`, or a name whose parts (split at ``-``, ``_`` and ``.``) hold aliases of exactly one environment
(``prod-eu``, ``fraud-staging``, ``eu_west.prd``). A stack whose name gives an environment cannot declare another
one (``aiscale:environment: dev`` in ``Pulumi.prod.yaml`` is an error): a prod stack stays a prod stack. Any other
name has no known environment; the offline plan then applies :data:`FALLBACK` enforcement and says so in every
report format.
"""

from __future__ import annotations

import json
import re

from aiscale.core import rules
from aiscale.core.errors import ConfigError

ENVIRONMENT_KEY = "aiscale:environment"
ALIASES: dict[str, tuple[str, ...]] = {
    "dev": ("dev", "development", "devel"),
    "staging": ("staging", "stage", "stg", "preprod"),
    "prod": ("prod", "production", "prd", "live"),
}
"""Stack names (and name parts) that mean an environment. Matched case-insensitively."""
FALLBACK = "dev"
"""The enforcement an offline plan applies to a stack whose environment is unknown (with a warning)."""

_BY_ALIAS = {alias: environment for environment, aliases in ALIASES.items() for alias in aliases}
_SEPARATORS = re.compile(r"[-_.]+")


def from_stack_name(stack: str) -> str | None:
    """The environment a stack name gives, or None when it names none (or more than one)."""
    name = re.sub(r"pre[-_.]prod", "preprod", stack.lower())
    if name in _BY_ALIAS:
        return _BY_ALIAS[name]
    found = {_BY_ALIAS[part] for part in _SEPARATORS.split(name) if part in _BY_ALIAS}
    return found.pop() if len(found) == 1 else None


def resolve_environment(stack: str, configured: str | None, stack_file: str | None = None) -> str | None:
    """The stack's environment: ``aiscale:environment`` if set, else what the stack name gives (None if nothing).

    Raises ConfigError (naming the key and, when given, the stack file) for a value that is not an environment,
    and for a declared environment that contradicts the stack name.
    """
    named = from_stack_name(stack)
    if configured is None:
        return named
    problem = None
    if configured not in rules.ENVIRONMENTS:
        problem = f"expected one of {', '.join(rules.ENVIRONMENTS)} (got {json.dumps(configured[:40])})"
    elif named is not None and configured != named:
        problem = (
            f"{configured!r} contradicts the stack name {stack!r}, which means {named}: a {named} stack cannot "
            f"declare another environment; remove the key (or use a stack named for {configured})"
        )
    if problem is not None:
        where = f" in {stack_file}" if stack_file else f" of stack {stack!r}"
        raise ConfigError(f"invalid stack configuration{where}:\n  {ENVIRONMENT_KEY}: {problem}")
    return configured


def unknown_environment(stack: str) -> str:
    """Why a stack has no known environment, and what to do about it."""
    aliases = ", ".join(f"{env} ({'/'.join(names)})" for env, names in ALIASES.items())
    return (
        f"the environment of stack {stack!r} is unknown: its name is none of {aliases} and it does not set "
        f"{ENVIRONMENT_KEY}"
    )


def unknown_environment_warning(stack: str, applied: str | None) -> str:
    """The warning every report of a stack with an unknown environment carries: which enforcement applied."""
    enforcement = (
        f"{applied} enforcement applied"
        if applied is not None
        else "no policy enforcement applied (policies were not evaluated)"
    )
    return f"{unknown_environment(stack)}: {enforcement}; set {ENVIRONMENT_KEY} in the stack file"

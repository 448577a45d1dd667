"""A blueprint's args and the stack configuration, both ways.

A blueprint takes its configuration as args (``AzureGpuInferencePlatformArgs``: the ``aiscale:*`` settings of a
stack file), so that Pulumi's component provider host can serve it to every language. The args are validated by
the same models as a stack file, with the same messages, into a ``StackConfig``; a Python program that already
has one passes it through :func:`platform_args` (``AzureGpuInferencePlatform.from_config``).

Values must be known when the blueprint is constructed (they decide which resources exist), so an ``Output`` is
refused anywhere but in a secret field: there it is carried through to the resource that takes it.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv4Network
from typing import Any

import pulumi
from pydantic import BaseModel, SecretStr, ValidationError

from aiscale.core.config.base import Environment
from aiscale.core.config.environment import resolve_environment, unknown_environment
from aiscale.core.config.loader import is_secret_field, validation_problems
from aiscale.core.config.stack import StackConfig
from aiscale.core.errors import InvalidArgumentError

CLOUDS = ("azure", "gcp")
#: What a secret that arrives as an Output is validated as (secret fields take any text).
_SECRET_PLACEHOLDER = "[secret]"


@dataclass(frozen=True)
class PlatformConfig:
    """The validated configuration of a blueprint, and the secrets that arrived as Outputs, by dotted path."""

    config: StackConfig
    secret_inputs: dict[str, pulumi.Output[str]] = field(default_factory=dict)

    def secret(self, path: str, value: SecretStr | None) -> pulumi.Output[str] | None:
        """The secret at ``path`` (``gcp.monitoring.alerts.webhook_url``) as a Pulumi secret, or None."""
        if path in self.secret_inputs:
            return pulumi.Output.secret(self.secret_inputs[path])
        return pulumi.Output.secret(value.get_secret_value()) if value is not None else None


def platform_config(component: str, args: Mapping[str, Any], *, cloud: str) -> PlatformConfig:
    """Validate a blueprint's args as a stack configuration; every problem is reported, with its path."""
    secrets: dict[str, pulumi.Output[str]] = {}
    problems: list[str] = []
    data = _plain(args, (), secrets, problems)
    if cloud not in data:
        problems.append(f"{cloud}: required (the section of the cloud this blueprint builds)")
    problems += [f"{other}: this blueprint builds {cloud} only" for other in CLOUDS if other != cloud and other in data]
    environment = resolve_environment(pulumi.get_stack(), data.get("environment"))
    if environment is None:
        problems.append(f"environment: required: {unknown_environment(pulumi.get_stack())}")
    if problems:
        raise InvalidArgumentError(component, "args", _listed(problems))
    data["environment"] = environment
    try:
        config = StackConfig.model_validate_json(json.dumps(data), context={"environment": Environment(environment)})
    except ValidationError as error:
        found = [problem.removeprefix("aiscale:") for problem in validation_problems(error, data)]
        raise InvalidArgumentError(component, "args", _listed(found)) from None
    return PlatformConfig(config, secrets)


def platform_args(config: StackConfig, cloud: str) -> dict[str, Any]:
    """The args of ``cloud``'s blueprint for a validated stack configuration (secrets as Pulumi secrets)."""
    args = {
        name: _arg(getattr(config, name))
        for name in config.model_fields_set | {"environment"}
        if name not in CLOUDS or name == cloud
    }
    return {name: value for name, value in args.items() if value is not None}


def _arg(value: Any) -> Any:
    """A config value as an argument: sections as the keys they were given with, secrets as Pulumi secrets."""
    if isinstance(value, BaseModel):
        return {name: _arg(getattr(value, name)) for name in value.model_fields_set if getattr(value, name) is not None}
    if isinstance(value, SecretStr):
        return pulumi.Output.secret(value.get_secret_value())
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, IPv4Network):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _arg(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_arg(item) for item in value]
    return value


def _plain(value: Any, loc: tuple[str | int, ...], secrets: dict[str, pulumi.Output[str]], problems: list[str]) -> Any:
    """``value`` as JSON data: Outputs of secret fields set aside, whole floats as ints (the provider host sends
    every number as a float)."""
    if isinstance(value, pulumi.Output):
        path = ".".join(str(part) for part in loc)
        if is_secret_field(loc):
            secrets[path] = value
            return _SECRET_PLACEHOLDER
        problems.append(f"{path}: must be known before deployment (it decides what is deployed), not an Output")
        return None
    if isinstance(value, Mapping):
        return {str(key): _plain(item, (*loc, str(key)), secrets, problems) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, (*loc, index), secrets, problems) for index, item in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _listed(problems: list[str]) -> str:
    return "invalid configuration:\n" + "\n".join(f"  {problem}" for problem in problems)

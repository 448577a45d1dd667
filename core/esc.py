"""Pulumi ESC environments a stack imports: which ones, their config values offline, and the hint on errors.

A stack file can import ESC environments (``environment: [acme/aiscale-dev]``); a real run gets their
``pulumiConfig`` values from the Pulumi service, under the stack file's own config (a key set in the stack file
wins). Offline there is no service: ``aiscale plan STACK --esc-env acme/aiscale-dev=env.json`` reads the values from
``esc env open acme/aiscale-dev --format json`` output. ``esc env open`` shows secrets in clear text and does not
say which values were secrets: offline, every imported key that can hold a secret is treated as one.

The files travel in the environment (``AISCALE_ESC_VALUES``, JSON ``{environment: file}``), so that every process
that runs a stack offline sees them. Config validation errors of a stack that imports environments say that the
values may come from there.
"""

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiscale.core.errors import ProjectError
from aiscale.core.offline_inputs import handed_down, handed_files

ENVIRONMENT_VARIABLE = "AISCALE_ESC_VALUES"


def imported_environments(stack_data: Any) -> list[str]:
    """The ESC environments a stack file imports (``environment: [a, b]`` or ``environment: {imports: [...]}``)."""
    declared = stack_data.get("environment") if isinstance(stack_data, dict) else None
    if isinstance(declared, dict):
        declared = declared.get("imports")
    if isinstance(declared, str):
        return [declared]
    return [str(name) for name in declared] if isinstance(declared, list) else []


def read_values(environment: str, path: Path) -> dict[str, Any]:
    """The ``pulumiConfig`` of an environment's ``esc env open --format json`` output (empty when it has none)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProjectError(f"--esc-env {environment}={path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ProjectError(f"--esc-env {environment}={path}: not JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(document, dict):
        raise ProjectError(f"--esc-env {environment}={path}: expected the object esc env open --format json prints")
    config = document.get("pulumiConfig", {})
    if not isinstance(config, dict):
        raise ProjectError(f"--esc-env {environment}={path}: pulumiConfig: expected a mapping of config keys")
    return config


@contextmanager
def environment_values(files: Mapping[str, Path]) -> Iterator[None]:
    """Runs inside read the imported environments' values from ``files`` (environment → file)."""
    for environment, path in files.items():
        read_values(environment, path)  # refused now, not in the middle of a run
    with handed_down(ENVIRONMENT_VARIABLE, files):
        yield


def offline_values(environments: list[str]) -> tuple[dict[str, Any], list[str]]:
    """(config values of the given environments, in import order: later wins; environments without a file)."""
    files = handed_files(ENVIRONMENT_VARIABLE)
    values: dict[str, Any] = {}
    missing = []
    for environment in environments:
        if environment in files:
            values.update(read_values(environment, files[environment]))
        else:
            missing.append(environment)
    return values, missing


def validation_hint(stack_data: Any) -> str | None:
    """What to add to a config validation error of a stack that imports environments."""
    environments = imported_environments(stack_data)
    if not environments:
        return None
    listed = ", ".join(environments)
    return (
        f"note: the stack imports Pulumi ESC environments ({listed}): a value may come from there "
        f"(`esc env open {environments[0]}` shows them; offline: `aiscale plan --esc-env {environments[0]}=FILE`)"
    )

"""Turning ``Pulumi.<stack>.yaml`` into the runtime config a Pulumi program reads, as the CLI does.

Object values become JSON text, scalars become text, keys without a namespace belong to the project. Secure
(encrypted) values cannot be decrypted offline: each one is replaced by a placeholder and its key is marked
secret, so the program treats it exactly like a secret and reports never show it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiscale.core import esc
from aiscale.core.config.loader import secret_capable
from aiscale.core.errors import ProjectError
from aiscale.core.project import PulumiProject, read_yaml

SECRET_PLACEHOLDER = "offline-placeholder-secret"


@dataclass
class RuntimeConfig:
    values: dict[str, str] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)
    secure_paths: list[str] = field(default_factory=list)
    """Dotted paths of the secure values (``aiscale:azure.monitoring.webhook_url``)."""
    stack_file: Path | None = None
    """The stack file read, or None when the stack has none (it then runs with project config only)."""
    notes: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _strip_secure(value: Any, path: str, secure_paths: list[str]) -> Any:
    if _is_secure(value):
        secure_paths.append(path)
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {key: _strip_secure(item, f"{path}.{key}", secure_paths) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip_secure(item, f"{path}[{index}]", secure_paths) for index, item in enumerate(value)]
    return value


def _full_key(project: PulumiProject, key: str) -> str:
    return key if ":" in key else f"{project.name}:{key}"


def _set(config: RuntimeConfig, key: str, value: Any) -> None:
    before = len(config.secure_paths)
    plain = _strip_secure(value, key, config.secure_paths)
    if len(config.secure_paths) > before:
        config.secret_keys.add(key)
    config.values[key] = json.dumps(plain) if isinstance(plain, dict | list) else _text(plain)


def read_runtime_config(project: PulumiProject, stack: str) -> RuntimeConfig:
    """Runtime config of ``stack``: project defaults from Pulumi.yaml, overridden by the stack file."""
    config = project_config(project)
    stack_file = project.stack_file(stack)
    if not stack_file.exists():  # a folder or a pipe of that name is an error when it is read, not "no file"
        config.notes.append(f"no {project.display_path(stack_file)}: the stack runs with project config only")
        return config
    config.stack_file = stack_file
    data = read_yaml(stack_file) or {}
    if not isinstance(data, dict):
        raise ProjectError(f"{project.display_path(stack_file)}: expected a mapping with a config section")
    _apply_esc_values(config, project, data, project.display_path(stack_file))
    apply_stack_values(config, project, data.get("config") or {}, project.display_path(stack_file))
    return config


def _apply_esc_values(config: RuntimeConfig, project: PulumiProject, data: Any, display: str) -> None:
    """The ``pulumiConfig`` of the ESC environments the stack imports, under the stack file's own values.

    Offline they come from ``esc env open --format json`` files (``--esc-env``). That output does not say which
    values were secrets, so a key that can hold a secret is treated as one, as the CLI would if it held one.
    """
    environments = esc.imported_environments(data)
    if not environments:
        return
    values, missing = esc.offline_values(environments)
    if missing:
        config.notes.append(
            f"{display} imports Pulumi ESC environments {', '.join(missing)}: their values are not available "
            "offline unless given with --esc-env ENVIRONMENT=FILE (esc env open ENVIRONMENT --format json)"
        )
    for key, value in values.items():
        full = _full_key(project, str(key))
        _set(config, full, value)
        if secret_capable(full):
            config.secret_keys.add(full)


def project_config(project: PulumiProject) -> RuntimeConfig:
    """The config values Pulumi.yaml declares (defaults and values), before any stack file."""
    config = RuntimeConfig()
    for key, declaration in project.config.items():
        full = _full_key(project, key)
        if isinstance(declaration, dict) and ({"default", "value"} & set(declaration)):
            _set(config, full, declaration.get("value", declaration.get("default")))
        elif not isinstance(declaration, dict) or "type" not in declaration:
            _set(config, full, declaration)
    return config


def apply_stack_values(config: RuntimeConfig, project: PulumiProject, values: Any, display: str) -> None:
    """Set the ``config:`` section of a stack file (``values``, as parsed) on top of ``config``."""
    if not isinstance(values, dict):
        raise ProjectError(f"{display}: config: expected a mapping of keys to values")
    for key, value in values.items():
        full = _full_key(project, str(key))
        bad = next(_bad_secure(value, full), None)
        if bad is not None:
            raise ProjectError(
                f"{display}: {bad}: secure: expected the encrypted text `pulumi config set --secret` writes"
            )
        _set(config, full, value)


def _bad_secure(value: Any, path: str) -> Iterator[str]:
    """Paths of ``secure:`` values that are not encrypted text (a number, a list, a mapping, nothing)."""
    if _is_secure(value):
        secure = value["secure"]
        if not isinstance(secure, str) or not secure.strip():
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_secure(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_secure(item, f"{path}[{index}]")

"""Reading and validating a stack's configuration: one code path for real and offline runs.

The program calls :func:`load_stack_config`. It reads the ``aiscale:*`` keys from the Pulumi runtime config,
which the Pulumi CLI fills from ``Pulumi.<stack>.yaml`` in a real run and the offline engine fills from the
same file in ``aiscale plan``. Validation errors become one :class:`ConfigError` naming the stack file and every
failing field; its message never contains a secret value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, SecretStr, ValidationError

from aiscale.core import esc
from aiscale.core.config.base import UNION_TAG, Environment
from aiscale.core.config.environment import ENVIRONMENT_KEY, resolve_environment, unknown_environment
from aiscale.core.config.monitoring import mig_pool_problems
from aiscale.core.config.stack import StackConfig
from aiscale.core.errors import ConfigError
from aiscale.core.project import stack_data_for_current_run, stack_file_for_current_run
from aiscale.core.redaction import looks_like_credential

NAMESPACE = "aiscale"


def load_stack_config() -> StackConfig:
    """Validate the running stack's ``aiscale:*`` config. Raises ConfigError (a ``pulumi.RunError``)."""
    stack = pulumi.get_stack()
    config = pulumi.Config(NAMESPACE)
    prefix = f"{NAMESPACE}:"
    # Every key of the namespace, so that a misspelt key is reported instead of silently ignored.
    names = {key[len(prefix) :] for key in runtime_config.CONFIG.get() if key.startswith(prefix)}
    names |= {key[len(prefix) :] for key in runtime_config.get_config_env() if key.startswith(prefix)}
    secret = {name for name in names if runtime_config.is_config_secret(prefix + name)}
    # Config.get warns when it reads a secret; secret keys are read raw and validated into secret fields.
    raw = {
        name: runtime_config.get_config(prefix + name) if name in secret else config.get(name) for name in sorted(names)
    }
    stack_file = stack_file_for_current_run(stack)
    try:
        validated = validate_stack_config(raw, stack=stack, stack_file=stack_file, secret_keys=secret)
    except ConfigError as error:
        hint = esc.validation_hint(stack_data_for_current_run(stack))
        if hint is None:
            raise
        raise ConfigError(f"{error.message}\n{hint}") from None
    for path in plaintext_secrets(validated, secret):
        pulumi.log.warn(
            f"{stack_file}: {path} is a secret but is given in plaintext: anyone who can read the stack file or "
            f"the repository can read it; set it with `pulumi config set --secret --path '{path}' ...`"
        )
    for warning in stack_warnings(validated):
        pulumi.log.warn(f"{stack_file}: {warning}")
    return validated


def stack_warnings(config: StackConfig) -> list[str]:
    """What is an error in prod and a warning elsewhere (validation already refused it in prod)."""
    if config.environment is Environment.prod:
        return []
    found = []
    for cloud, section, field in (("azure", config.azure, "mig_profile"), ("gcp", config.gcp, "partition_size")):
        if section is not None:
            found += [
                f"{NAMESPACE}:{cloud}.{path}: {problem}"
                for path, problem in mig_pool_problems(section.mig_pools(), field)
            ]
    return found


def plaintext_secrets(config: StackConfig, secret_keys: set[str] | frozenset[str]) -> list[str]:
    """Paths (``aiscale:azure.monitoring.alerts.webhook_url``) of secret fields set without ``--secret``."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, SecretStr):
            found.append(path)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name), f"{path}.{name}")
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    for name in type(config).model_fields:
        if name not in secret_keys:
            walk(getattr(config, name), f"{NAMESPACE}:{name}")
    return found


def validate_stack_config(
    raw: Mapping[str, str | None],
    *,
    stack: str,
    stack_file: str,
    secret_keys: set[str] | frozenset[str] = frozenset(),
) -> StackConfig:
    """Validate raw config values (as Pulumi stores them: text, JSON for objects) into a StackConfig."""
    data: dict[str, Any] = {}
    problems: list[str] = []
    for key, text in raw.items():
        if text is None:
            continue
        field = StackConfig.model_fields.get(key)
        if field is not None and _is_text(field.annotation):
            # Pulumi hands a program objects as JSON text: a list or mapping given for text looks like this.
            shape = _json_shape(text)
            if shape is not None:
                problems.append(f"{NAMESPACE}:{key}: expected text, got a {shape}")
            data[key] = text
            continue
        try:
            data[key] = json.loads(text)
        except json.JSONDecodeError:
            # A bare word where an object, number or boolean is expected: let validation say what it wanted.
            data[key] = text

    for key in sorted(secret_keys & set(data)):
        field = StackConfig.model_fields.get(key)
        if field is not None and not _mentions_secret_deep(field.annotation):
            problems.append(
                f"{NAMESPACE}:{key}: is a secret, but has no secret fields: its value would end up in plaintext "
                "in resource inputs and state (set it without --secret)"
            )

    environment = resolve_environment(stack, data.get("environment"), stack_file)
    if environment is None:
        problems.append(f"{ENVIRONMENT_KEY}: required: {unknown_environment(stack)}")
    if problems:
        raise ConfigError(_message(stack_file, problems))
    data["environment"] = environment

    try:
        return StackConfig.model_validate_json(json.dumps(data), context={"environment": Environment(environment)})
    except ValidationError as error:
        problems = [_describe(e, data, secret_keys) for e in error.errors(include_url=False)]
        raise ConfigError(_message(stack_file, sorted(set(problems)))) from None


def validation_problems(error: ValidationError, data: Mapping[str, Any]) -> list[str]:
    """Every failing field of a validation of ``data`` (already parsed values), one line each, as for a stack file."""
    return sorted({_describe(e, data, frozenset()) for e in error.errors(include_url=False)})


def secret_capable(key: str) -> bool:
    """Whether the config key (``aiscale:azure``) can hold a secret anywhere below it."""
    prefix = f"{NAMESPACE}:"
    field = StackConfig.model_fields.get(key.removeprefix(prefix)) if key.startswith(prefix) else None
    return field is not None and _mentions_secret_deep(field.annotation)


def is_secret_field(loc: tuple[int | str, ...]) -> bool:
    """Whether the config field at ``loc`` (``("azure", "monitoring", "alerts", "webhook_url")``) holds a secret."""
    return _is_secret(loc)


def _json_shape(text: str) -> str | None:
    """``list`` or ``mapping`` when Pulumi's JSON text of an object stands where text was expected."""
    if not text.lstrip().startswith(("[", "{")):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else None


def _message(stack_file: str, problems: list[str]) -> str:
    lines = [f"invalid stack configuration in {stack_file}:"]
    lines += [f"  {problem}" for problem in problems]
    return "\n".join(lines)


def _is_text(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, str)


_PLAIN = re.compile(r"[A-Za-z0-9_-]+")


def _path(loc: tuple[int | str, ...]) -> str:
    """``aiscale:azure.key_vault.keys.platform``; odd keys quoted, so a path always fits on one line."""
    first = str(loc[0]) if loc else ""
    text = f"{NAMESPACE}:{first if _PLAIN.fullmatch(first) else json.dumps(first)}" if loc else NAMESPACE
    for part in loc[1:]:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":
            text += " (the key)"
        else:
            text += f".{part}" if _PLAIN.fullmatch(part) else f"[{json.dumps(part)}]"
    return text


def _describe(error: Mapping[str, Any], data: Mapping[str, Any], secret_keys: set[str] | frozenset[str]) -> str:
    # Union branch tags are pydantic's, not part of the user's path.
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith(UNION_TAG)))
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return f"{_path(loc)}: unknown key{expected}"
    if kind == "missing":
        return f"{_path(loc)}: required"
    if not loc:
        return f"{NAMESPACE}: {message}"
    shown = "" if loc[0] in secret_keys or _is_secret(loc) else _got(_lookup(data, loc))
    return f"{_path(loc)}: {message}{shown}"


def _got(value: Any) -> str:
    if isinstance(value, dict | list) or value is _MISSING:
        return ""
    if isinstance(value, str) and looks_like_credential(value):
        return " (the value looks like a credential and is not shown: keep secrets in `pulumi config set --secret`)"
    text = json.dumps(value)
    return f" (got {text if len(text) <= 60 else text[:57] + '...'})"


_MISSING = object()


def _lookup(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        if isinstance(data, list):
            data = data[part] if isinstance(part, int) and 0 <= part < len(data) else _MISSING
        elif isinstance(data, dict):
            data = data.get(part, _MISSING)
        else:
            return _MISSING
        if data is _MISSING:
            return _MISSING
    return data


def _walk(loc: tuple[int | str, ...], visit: Callable[[type[BaseModel], str], bool]) -> type[BaseModel] | None:
    """Follow a location through the model tree; return the model owning the last part."""
    model: type[BaseModel] | None = StackConfig
    annotation: Any = None
    for part in loc:
        if model is not None and isinstance(part, str) and part in model.model_fields:
            if not visit(model, part):
                return None
            annotation = model.model_fields[part].annotation
            model = None
        else:
            annotation = _element(annotation)
        model = _model_in(annotation)
    return model


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    model = _walk(loc, lambda _m, _p: True)
    return sorted(model.model_fields) if model is not None else []


def _is_secret(loc: tuple[int | str, ...]) -> bool:
    found = []
    _walk(loc, lambda m, p: found.append(_mentions_secret(m.model_fields[p].annotation)) or True)
    return bool(found) and found[-1]


def _args(annotation: Any) -> tuple[Any, ...]:
    return getattr(annotation, "__args__", ()) or ()


def _element(annotation: Any) -> Any:
    """The element type of list/dict annotations (and the non-None member of Optional)."""
    args = [a for a in _args(annotation) if a is not type(None)]
    return args[-1] if args else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in _args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _mentions_secret_deep(annotation: Any) -> bool:
    """Whether a field can hold a secret anywhere below it (a SecretStr field in a nested model)."""
    if _mentions_secret(annotation):
        return True
    model = _model_in(annotation) or _model_in(_element(annotation))
    return model is not None and any(_mentions_secret_deep(f.annotation) for f in model.model_fields.values())


def _mentions_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_mentions_secret(a) for a in _args(annotation))

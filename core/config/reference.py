"""Markdown reference of the stack configuration, generated from the models (docs/configuration.md).

python -m aiscale.core.config.reference > docs/configuration.md
"""

from __future__ import annotations

import json
import types
import typing
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from aiscale.core.config.base import field_presets
from aiscale.core.config.environment import ALIASES, FALLBACK
from aiscale.core.config.stack import StackConfig

HEADER = """# Stack configuration reference

Generated from `aiscale.core.config` by `python -m aiscale.core.config.reference`; a test fails when this file
and the models disagree. Every key lives in the `aiscale` namespace of `Pulumi.<stack>.yaml`
(`aiscale:owner`, `aiscale:azure`, ...). Values are strict: no type coercion, unknown keys are errors.
A default shown as `dev / staging / prod` is an environment preset; a value in the stack file overrides it.
"""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of name → {_type_name(args[1])}"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{json.dumps(a)}`" for a in args)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return getattr(annotation, "__name__", str(annotation))


def _constraints(field: FieldInfo) -> str:
    parts = []
    for item in field.metadata:
        for attribute, symbol in (
            ("ge", "≥"),
            ("gt", ">"),
            ("le", "≤"),
            ("lt", "<"),
            ("min_length", "min length"),
            ("max_length", "max length"),
            ("pattern", "pattern"),
        ):
            value = getattr(item, attribute, None)
            if value is not None:
                parts.append(f"{symbol} `{value}`" if attribute == "pattern" else f"{symbol} {value}")
    return ", ".join(parts)


def default_text(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    """The default of a field as the reference shows it (a preset per environment, a value, or required)."""
    presets = field_presets(model, name)
    if presets:
        return " / ".join(f"`{json.dumps(_plain(presets[env]))}`" for env in ("dev", "staging", "prod"))
    factory = field.default_factory
    if isinstance(factory, type) and issubclass(factory, BaseModel):
        # A section whose own fields (and their presets) give the defaults.
        return f"see [{factory.__name__}](#{factory.__name__.lower()})"
    if field.is_required():
        return "**required**"
    return f"`{json.dumps(_plain(field.get_default(call_default_factory=True)))}`"


def _plain(value: Any) -> Any:
    """The value as the stack file writes it (enum values, networks as text)."""
    return to_jsonable_python(value)


def _models(model: type[BaseModel], seen: list[type[BaseModel]]) -> list[type[BaseModel]]:
    if model in seen:
        return seen
    seen.append(model)
    for field in model.model_fields.values():
        for candidate in _nested(field.annotation):
            _models(candidate, seen)
    return seen


def _nested(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _nested(arg)]


def _environment_section() -> list[str]:
    lines = [
        "## Environment",
        "",
        "`aiscale:environment` (`dev`, `staging` or `prod`) selects the presets below and the policy pack's "
        "enforcement levels. Without it, the stack name decides: a name in this table, or a name whose parts "
        "(split at `-`, `_` and `.`) hold names of exactly one environment (`prod-eu`, `fraud-staging`, "
        "`eu_west.prd`); case does not matter. A stack whose name gives an environment cannot declare another "
        "one: `aiscale:environment: dev` in `Pulumi.prod.yaml` is an error naming the key. The stack names of "
        "each environment (and so what `aiscale:environment` may default to):",
        "",
        "| Environment | Stack names |",
        "|---|---|",
    ]
    lines += [f"| `{env}` | {', '.join(f'`{name}`' for name in names)} |" for env, names in ALIASES.items()]
    lines += [
        "",
        "Any other stack name (`sandbox`, `feature-x`) must set `aiscale:environment` when the program reads its "
        "config through `load_stack_config`. A program of another team that does not (`aiscale plan --project "
        f"DIR`) runs, but its environment is unknown: the plan applies `{FALLBACK}` enforcement and says so in "
        "every report format (the plan JSON's `environmentWarning`). Set `aiscale:environment` in such a stack "
        "file to have its environment's enforcement.",
        "",
        "In prod, `aiscale:protect_stateful` covers every stateful resource type (`aiscale.core.stateful`: keys, "
        "vaults, workspaces, registries, storage, databases, clusters, resource groups); turning it off there is a "
        "mandatory finding (`ml-protect-01`) that only a central waiver covers.",
        "",
    ]
    return lines


def render() -> str:
    lines = [HEADER, *_environment_section()]
    for model in _models(StackConfig, []):
        lines += [f"## {model.__name__}", "", (model.__doc__ or "").strip(), ""]
        lines += ["| Key | Type | Default | Constraints | Description |", "|---|---|---|---|---|"]
        for name, field in model.model_fields.items():
            key = f"`aiscale:{name}`" if model is StackConfig else f"`{name}`"
            description = (field.description or "").replace("\n", " ").replace("|", "\\|")
            lines.append(
                f"| {key} | {_type_name(field.annotation)} | {default_text(model, name, field)} | "
                f"{_constraints(field)} | {description} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")

"""The stack configuration as component arguments: Python source of TypedDicts mirroring the config models.

The blueprints take their configuration as args (``AzureGpuInferencePlatformArgs``...), so that Pulumi's component
provider host can describe them in the package schema and other languages get typed constructors. The args are the
models' shape, nothing more: defaults, presets and validation stay with the models (the args are validated into a
``StackConfig``), and this source is generated from them::

    python -m aiscale.core.config.args_source > blueprints/platform_args.py

A test fails when the file and the models disagree. Mapping: constrained strings, networks, literals and enums are
``str`` (the choices are in the description); secrets are ``pulumi.Input[str]`` (pass a Pulumi secret); a field
that takes either text or a section is ``Any``; optional and defaulted fields are ``NotRequired``.
"""

import ipaddress
import types
import typing
from enum import Enum
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from aiscale.core.config.base import field_presets
from aiscale.core.config.reference import default_text
from aiscale.core.config.stack import StackConfig

#: The blueprints' args: StackConfig's top-level fields with one cloud each.
PLATFORMS = {"AzureGpuInferencePlatformArgs": "azure", "GcpGpuInferencePlatformArgs": "gcp"}
CLOUDS = ("azure", "gcp")
CLOUD_NAMES = {"azure": "Azure", "gcp": "Google Cloud"}

HEADER = '''"""The stack configuration as blueprint arguments (generated: do not edit).

python -m aiscale.core.config.args_source > blueprints/platform_args.py

TypedDicts of the ``aiscale:*`` configuration for the blueprints' args-style constructors and the package schema.
Defaults, presets and validation belong to ``aiscale.core.config``: the args are validated into a ``StackConfig``.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
'''


def args_name(model: type[BaseModel]) -> str:
    """``AksConfigArgs``; models not named ``...Config`` get it too (``EndpointSloConfigArgs``), so that the names
    never meet a component's args (``EndpointSloArgs``) in the package schema."""
    name = model.__name__
    return f"{name}Args" if name.endswith("Config") else f"{name}ConfigArgs"


def _type(annotation: Any, needed: list[type[BaseModel]]) -> str:
    origin, parts = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        if any(type(meta).__name__ == "Discriminator" for meta in parts[1:]):
            return "Any"  # text or a section: told apart by the value's shape
        return _type(parts[0], needed)
    if origin in (typing.Union, types.UnionType):
        members = [part for part in parts if part is not type(None)]
        return _type(members[0], needed) if len(members) == 1 else "Any"
    if origin is list:
        return f"Sequence[{_type(parts[0], needed)}]"
    if origin is dict:
        return f"Mapping[str, {_type(parts[1], needed)}]"
    if origin is typing.Literal:
        return {type(part) for part in parts}.pop().__name__ if len({type(p) for p in parts}) == 1 else "Any"
    if annotation is SecretStr:
        return "pulumi.Input[str]"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        needed.append(annotation)
        return args_name(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum | ipaddress.IPv4Network | str):
        return "str"
    if annotation in (int, float, bool):
        return annotation.__name__
    raise TypeError(f"no args form for {annotation!r}")


def _required(model: type[BaseModel], name: str, field: FieldInfo) -> bool:
    return field.default is PydanticUndefined and field.default_factory is None and not field_presets(model, name)


def _section_doc(annotation: Any) -> str:
    """An undocumented section field says what its model is (``network`` → the network model's first line)."""
    models = [part for part in (annotation, *typing.get_args(annotation)) if isinstance(part, type)]
    sections = [part for part in models if issubclass(part, BaseModel)]
    return (sections[0].__doc__ or "").strip().split("\n")[0] if sections else ""


def _choices(annotation: Any) -> list[str]:
    """The values a literal or enum field takes (inside optionals, lists and maps too)."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(part) for part in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return [choice for part in typing.get_args(annotation) for choice in _choices(part)]


def _description(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    text = " ".join((field.description or _section_doc(field.annotation)).split())
    choices = _choices(field.annotation)
    if choices:
        text += " One of " + ", ".join(f"``{choice}``" for choice in choices) + "."
    if SecretStr in (field.annotation, *typing.get_args(field.annotation)):
        text += " As an argument: a Pulumi secret."
    if not _required(model, name, field) and field.default is not None:
        default = default_text(model, name, field).replace("`", "``")
        text += f" Default {default}." if not default.startswith("see ") else ""
    return text.strip().replace('"""', "'''").replace("\\", "\\\\")


def _class(
    name: str,
    doc: str,
    model: type[BaseModel],
    fields: list[str],
    needed: list[type[BaseModel]],
    *,
    required: dict[str, bool] | None = None,
) -> str:
    lines = [f"class {name}(TypedDict):", f'    """{" ".join(doc.split())}"""', ""]
    for field_name in fields:
        field = model.model_fields[field_name]
        shown = _type(field.annotation, needed)
        if not (required or {}).get(field_name, _required(model, field_name, field)):
            shown = f"NotRequired[{shown}]"
        lines.append(f"    {field_name}: {shown}")
        description = _description(model, field_name, field)
        if description:
            lines.append(f'    """{description}"""')
    return "\n".join(lines)


def render() -> str:
    """The source of ``blueprints/platform_args.py``: nested args first, so every annotation evaluates."""
    classes: dict[type[BaseModel], str] = {}

    def emit(model: type[BaseModel]) -> None:
        if model in classes:
            return
        needed: list[type[BaseModel]] = []
        text = _class(args_name(model), model.__doc__ or model.__name__, model, list(model.model_fields), needed)
        classes[model] = ""  # placed after what it needs
        for nested in needed:
            emit(nested)
        del classes[model]
        classes[model] = text

    platforms = []
    for name, cloud in PLATFORMS.items():
        needed: list[type[BaseModel]] = []
        fields = [f for f in StackConfig.model_fields if f not in CLOUDS or f == cloud]
        doc = (
            f"The {CLOUD_NAMES[cloud]} platform of one stack: the ``aiscale:*`` settings of a stack file, as arguments."
        )
        # The environment defaults to the stack's name, as in a stack file; the cloud's section is the platform.
        required = {"environment": False, cloud: True}
        platforms.append(_class(name, doc, StackConfig, fields, needed, required=required))
        for nested in needed:
            emit(nested)
    return "\n\n\n".join([HEADER.rstrip("\n"), *classes.values(), *platforms]) + "\n"


if __name__ == "__main__":
    print(render(), end="")

"""Building blocks of the stack configuration models: strictness, environments and presets.

Every config model is strict (no type coercion), forbids unknown keys, is frozen and documents its fields with
attribute docstrings. Values are validated in pydantic's JSON mode because that is how Pulumi hands them to a
program: config values are JSON text (``pulumi.Config.get_object``).

Environment presets live next to the field they default: ``preset(dev=..., staging=..., prod=...)``. A value in
the stack file always wins; a missing value takes the preset of the stack's environment.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    model_validator,
)

from aiscale.core import rules


class Environment(StrEnum):
    """Deployment environment of a stack; selects presets and policy enforcement."""

    dev = "dev"
    staging = "staging"
    prod = "prod"


PRESET_KEY = "presets"


def preset(*, dev: Any, staging: Any, prod: Any, **field_kwargs: Any) -> Any:
    """A field whose default depends on the environment (a value in the stack file overrides it)."""
    return Field(json_schema_extra={PRESET_KEY: {"dev": dev, "staging": staging, "prod": prod}}, **field_kwargs)


def field_presets(model: type[BaseModel], field: str) -> dict[str, Any] | None:
    extra = model.model_fields[field].json_schema_extra
    presets = extra.get(PRESET_KEY) if isinstance(extra, dict) else None
    return presets if isinstance(presets, dict) else None


class StrictModel(BaseModel):
    """Base of every config model: strict, closed, immutable, self-documenting."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_default=True,
        hide_input_in_errors=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_environment_presets(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        # A nested section left out is validated as {} (not built by its default factory), so that its own
        # presets see the environment too.
        sections = [
            name
            for name, field in cls.model_fields.items()
            if name not in data
            and isinstance(field.default_factory, type)
            and issubclass(field.default_factory, StrictModel)
        ]
        if sections:
            data = {**data, **{section: {} for section in sections}}
        missing = {
            name: presets
            for name in cls.model_fields
            if name not in data and (presets := field_presets(cls, name)) is not None
        }
        if not missing:
            return data
        environment = (info.context or {}).get("environment")
        if environment is None:
            raise ValueError("the environment must be known to apply presets (validate through the stack loader)")
        filled = dict(data)
        for name, presets in missing.items():
            filled[name] = presets[str(environment)]
        return filled


Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,62}$")]
"""A logical name used in resource names: lowercase letters, digits and hyphens, starting with a letter."""

Uuid = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
]
"""A GUID such as an Azure subscription, tenant or principal id."""

TagValue = Annotated[str, StringConstraints(min_length=1, max_length=256), AfterValidator(rules.not_blank)]


#: Prefix of the tags of text-or-section unions: not part of a field's path in error messages.
UNION_TAG = "as-"
AS_TEXT = Tag(f"{UNION_TAG}text")
AS_SECTION = Tag(f"{UNION_TAG}section")


def _text_or_section(value: Any) -> str:
    return f"{UNION_TAG}section" if isinstance(value, dict | BaseModel) else f"{UNION_TAG}text"


TEXT_OR_SECTION = Discriminator(_text_or_section)
"""A field that takes either a string or a mapping, told apart by the value's shape, so that a bad value gets the
one error of the form it has (not one per union member):
``Annotated[Annotated[Text, AS_TEXT] | Annotated[Section, AS_SECTION], TEXT_OR_SECTION]``."""

"""One owner per default.

A setting a stack file can give has its default in the config model (``aiscale.core.config``): that is where the
configuration reference (docs/configuration.md) and the blueprints' args take it from. A component that takes the
same setting does not state it again: its default is the config model's, through :func:`stack_default`. A setting
only components have is defaulted by the component, once, in its module.

Each component module declares the defaults of its args in one place (:func:`declare`); the code reads them from
there, and the component reference (docs/components.md) shows them.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined, to_jsonable_python

from aiscale.core.config.base import field_presets

_DECLARED: dict[str, Mapping[str, Any]] = {}


def stack_default(model: type[BaseModel], field: str) -> Any:
    """The default a stack file gets for ``model.field``, for a component arg that means the same thing.

    Only a single default can be shared: a required field or an environment preset has none (a component arg for
    such a setting is required, or states the value a component used on its own should have).
    """
    info = model.model_fields[field]
    if field_presets(model, field) is not None:
        raise TypeError(f"{model.__name__}.{field} is an environment preset: it has no single default")
    if info.default is PydanticUndefined and info.default_factory is None:
        raise TypeError(f"{model.__name__}.{field} is required: it has no default")
    # As the stack file writes it: sections as mappings, enum values, networks as text.
    return to_jsonable_python(info.get_default(call_default_factory=True))


def declare(args_type: type, **defaults: Any) -> Mapping[str, Any]:
    """The defaults of ``args_type``'s optional args (a TypedDict), stated once for the code and the reference."""
    fields = getattr(args_type, "__annotations__", {})
    unknown = sorted(set(defaults) - set(fields))
    if unknown:
        raise TypeError(f"{args_type.__name__} has no {', '.join(unknown)}")
    required = sorted(set(defaults) & getattr(args_type, "__required_keys__", frozenset()))
    if required:
        raise TypeError(f"{args_type.__name__}: {', '.join(required)} is required, so it has no default")
    declared = MappingProxyType(dict(defaults))
    _DECLARED[args_type.__name__] = declared
    return declared


def declared(args_type_name: str) -> Mapping[str, Any]:
    """The declared defaults of the args type named ``args_type_name`` (``AksGpuNodePoolArgs``), by arg name."""
    return _DECLARED.get(args_type_name, {})

"""Typed stack configuration: one pydantic model tree, read from Pulumi config in real and offline runs."""

from aiscale.core.config.base import Environment, StrictModel, preset
from aiscale.core.config.loader import load_stack_config, resolve_environment, validate_stack_config
from aiscale.core.config.stack import StackConfig

__all__ = [
    "Environment",
    "StackConfig",
    "StrictModel",
    "load_stack_config",
    "preset",
    "resolve_environment",
    "validate_stack_config",
]

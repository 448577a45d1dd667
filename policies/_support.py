"""Small helpers for policies: type matching and reading the dict-like values CrossGuard passes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs

CATALOGUE_URL = "docs/policies.md#{policy}"


def azure_type(module: str, resource: str) -> re.Pattern[str]:
    """azure-native type tokens, default or explicitly versioned module (``keyvault/v20241101``)."""
    return re.compile(rf"^azure-native:{module}(/v[0-9a-z]+)?:{resource}$")


def path(value: Any, *keys: str) -> Any:
    """Follow keys through mapping-like values; None when any level is absent."""
    for key in keys:
        if value is None or not hasattr(value, "get"):
            return None
        value = value.get(key)
    return value


def matches(args: ResourceValidationArgs, pattern: re.Pattern[str] | str) -> bool:
    if isinstance(pattern, str):
        return args.resource_type == pattern
    return pattern.fullmatch(args.resource_type) is not None


def config_number(args: ResourceValidationArgs, key: str, default: float) -> float:
    config: Mapping[str, Any] = args.get_config() or {}
    value = config.get(key, default)
    return float(value)

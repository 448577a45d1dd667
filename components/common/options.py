"""Child resource options: every child is parented to its component; stateful children can be protected."""

import uuid
from collections.abc import Sequence
from typing import TypeVar

import pulumi

T = TypeVar("T")

# Namespace for deterministic GUID names (role assignments need GUID names; random ones would churn).
_NAMESPACE = uuid.UUID("0f3c1f4e-5a8e-4c51-9b7e-6a2d3b9c1a11")


def child_options(
    parent: pulumi.Resource,
    *,
    protect: bool = False,
    depends_on: Sequence[pulumi.Resource] | None = None,
    ignore_changes: list[str] | None = None,
    providers: list[pulumi.ProviderResource] | None = None,
) -> pulumi.ResourceOptions:
    """Options for a child of ``parent``; ``protect`` for stateful resources (keys, vaults, workspaces)."""
    return pulumi.ResourceOptions(
        parent=parent, protect=protect, depends_on=depends_on, ignore_changes=ignore_changes, providers=providers
    )


def stable_guid(*parts: str) -> str:
    """A GUID that is the same on every run for the same parts (the child's logical name)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def after(resource: pulumi.Resource, value: pulumi.Input[T]) -> pulumi.Output[T]:
    """``value``, known already in a preview, but carrying a dependency on ``resource``.

    Used for names taken from config (a resource group, a vault): plans and policies see the real name
    instead of an unknown output, and the engine still orders the dependent resource after ``resource``.
    """
    return resource.urn.apply(lambda _urn: value)

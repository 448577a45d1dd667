"""Protection of stateful children: Pulumi's ``protect`` on both clouds, Azure management locks on top.

``protect: bool`` (default False) marks a component's stateful children (keys, vaults, clusters, workspaces,
their storage and registries) so that Pulumi refuses to delete them, whether by ``pulumi destroy`` or by a line
removed from the program. That guards against Pulumi only. Azure also has management locks, which guard against
everyone (portal, CLI, other tools): ``lock: ResourceLockArgs`` puts one on each stateful resource the component
owns. Locks need ``Microsoft.Authorization/locks/write`` (Owner or User Access Administrator) at deploy time and
must be removed before the resource can go. ``ReadOnly`` also blocks management changes such as scaling or key
rotation policy updates: use ``CanNotDelete`` (the default) unless the resource is meant to be frozen. Google
Cloud has no resource locks; a GKE cluster's own ``deletion_protection`` is an argument of ``GkeCluster``.
"""

from enum import StrEnum
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization

from aiscale.components.common.options import child_options
from aiscale.core.errors import InvalidArgumentError


class LockLevel(StrEnum):
    """What an Azure management lock forbids."""

    CanNotDelete = "CanNotDelete"
    """Nobody may delete the resource; changes are allowed."""
    ReadOnly = "ReadOnly"
    """Nobody may change or delete the resource."""


class ResourceLockArgs(TypedDict):
    """An Azure management lock on each stateful resource of a component."""

    level: NotRequired[LockLevel]
    """``CanNotDelete`` (default) or ``ReadOnly``."""
    notes: NotRequired[str]
    """Why the lock is there, shown to whoever hits it (default: aiscale's reason)."""


def resource_lock(
    name: str, *, scope: pulumi.Input[str], args: ResourceLockArgs, parent: pulumi.Resource
) -> authorization.ManagementLockByScope:
    """``<name>-lock``: a management lock on ``scope`` (the resource it protects), parented to the component."""
    return authorization.ManagementLockByScope(
        f"{name}-lock",
        lock_name=f"{name}-lock",
        scope=scope,
        level=LockLevel(args.get("level", LockLevel.CanNotDelete)).value,
        notes=args.get("notes", "aiscale: stateful resource; remove the lock in the stack config before deleting"),
        opts=child_options(parent),
    )


def check_lock(component: str, lock: ResourceLockArgs | None) -> None:
    """Refuse a lock Azure would reject, naming the component and the argument."""
    if lock is None:
        return
    level = lock.get("level", LockLevel.CanNotDelete)
    if level not in set(LockLevel):
        raise InvalidArgumentError(component, "lock.level", f"{level!r} is not one of {', '.join(LockLevel)}")
    if len(lock.get("notes", "")) > 512:
        raise InvalidArgumentError(component, "lock.notes", "Azure takes at most 512 characters")

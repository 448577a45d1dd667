"""Who reaches a Kubernetes control plane: private addresses only, or a public endpoint for authorized ranges.

This is not a private endpoint (:mod:`aiscale.components.common.private_endpoint` reaches a service's data plane
through a NIC in a subnet): a private control plane is the cluster's own API server on private addresses.
``AksCluster`` and ``GkeCluster`` take the same ``control_plane: ControlPlaneAccessArgs``. The clouds differ in
one point: AKS applies authorized ranges to a public API server only, GKE to its private endpoint too (the
cluster subnet is among them).
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

from aiscale.components.common.defaults import declare
from aiscale.core import rules
from aiscale.core.errors import InvalidArgumentError


class ControlPlaneAccessArgs(TypedDict):
    """How the Kubernetes API server is reached."""

    private: NotRequired[bool]
    """The API server has private addresses only, reached from the VNet/VPC and peered networks."""
    authorized_ranges: NotRequired[Sequence[str]]
    """Source CIDR ranges allowed to reach the API server; required for a public one, never ``0.0.0.0/0``."""


CONTROL_PLANE_DEFAULTS = declare(
    ControlPlaneAccessArgs,
    private=True,
)
"""Defaults of the optional args of ``ControlPlaneAccessArgs``."""


def check_control_plane(component: str, access: ControlPlaneAccessArgs, *, ranges_need_public: bool) -> None:
    """Refuse an exposure that is unsafe or that the cloud rejects (the rule the stack config applies too)."""
    problems = rules.control_plane_problems(
        access.get("private", CONTROL_PLANE_DEFAULTS["private"]),
        list(access.get("authorized_ranges", [])),
        ranges_need_public=ranges_need_public,
    )
    if problems:
        field, problem = problems[0]
        raise InvalidArgumentError(component, f"control_plane.{field}", problem)

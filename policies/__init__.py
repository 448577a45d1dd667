"""The aiscale CrossGuard policies. Importing this package has no side effects (no PolicyPack, no server).

One module per area; each exports ``POLICIES``. Every policy carries its :class:`~aiscale.policies._support.Rule`
(``policy.aiscale_rule``): id, anchors, severity, what an absent field means, remediation and config schema.
"""

from __future__ import annotations

from pulumi_policy import Policy

from aiscale.policies import (
    azure_aks,
    azure_key_vault,
    azure_ml,
    budget,
    gcp_gke,
    gcp_kms,
    gcp_vertex,
    kubernetes,
    network,
    protection,
    stack,
    storage,
    tags,
)
from aiscale.policies._support import Rule

MODULES = (
    azure_aks,
    gcp_gke,
    azure_key_vault,
    gcp_kms,
    azure_ml,
    gcp_vertex,
    network,
    storage,
    tags,
    kubernetes,
    protection,
    stack,
    budget,
)


def all_policies() -> list[Policy]:
    """Every policy of the pack, in a stable order."""
    return [policy for module in MODULES for policy in module.POLICIES]


def rules() -> dict[str, Rule]:
    """Every policy's rule by id."""
    return {policy.name: policy.aiscale_rule for policy in all_policies()}  # type: ignore[attr-defined]


__all__ = ["all_policies", "rules"]

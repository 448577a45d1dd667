"""The aiscale CrossGuard policies. Importing this package has no side effects (no PolicyPack, no server).

One module per area; each exports ``POLICIES``. Every policy carries its :class:`~aiscale.policies._support.Rule`
(``policy.aiscale_rule``): id, anchors, severity, what an absent field means, remediation and config schema.
"""

from __future__ import annotations

from aiscale.policies import (
    autoscaling,
    azure_aks,
    azure_key_vault,
    azure_ml,
    budget,
    gcp_gke,
    gcp_kms,
    gcp_vertex,
    governance,
    kubernetes,
    model_monitoring,
    network,
    protection,
    stack,
    storage,
    tags,
)
from aiscale.policies._support import Field, Rule, RulePolicy, Shape

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
    model_monitoring,
    autoscaling,
    budget,
    governance,
)


def all_policies() -> list[RulePolicy]:
    """Every policy of the pack, in a stable order."""
    return [policy for module in MODULES for policy in module.POLICIES]


def rules() -> dict[str, Rule]:
    """Every policy's rule by id."""
    return {policy.name: policy.aiscale_rule for policy in all_policies()}


def documented_defaults() -> list[tuple[str, Field]]:
    """Every property whose absent value a policy reads as the installed SDK documents it, with the provider
    (``azure-native``, ``azure``, ``gcp``) it belongs to; in module order, each once."""
    found: dict[tuple[str, tuple[str, ...], str | None], tuple[str, Field]] = {}
    for module in MODULES:
        for value in vars(module).values():
            shapes = value if isinstance(value, tuple) and all(isinstance(v, Shape) for v in value) else ()
            if isinstance(value, Shape):
                shapes = (value,)
            for shape in shapes:
                for entry in shape.fields.values():
                    if entry.says:
                        found.setdefault((shape.provider, entry.path, entry.sdk), (shape.provider, entry))
            if isinstance(value, Field) and value.says:
                provider = (value.sdk or "").split(".")[0].removeprefix("pulumi_").replace("_", "-")
                found.setdefault((provider, value.path, value.sdk), (provider, value))
    return list(found.values())


__all__ = ["all_policies", "documented_defaults", "rules"]

"""The aiscale CrossGuard policies. Importing this package has no side effects (no PolicyPack, no server)."""

from __future__ import annotations

from pulumi_policy import Policy

from aiscale.policies import azure_key_vault, gcp_kms


def all_policies() -> list[Policy]:
    """Every policy of the pack, in a stable order."""
    return [*azure_key_vault.POLICIES, *gcp_kms.POLICIES]


__all__ = ["all_policies"]

"""``AzureGpuInferencePlatform``: the Azure side of an aiscale stack, composed step by step from config."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import resources

from aiscale.components.azure.key_vault import KeyVault
from aiscale.components.common.options import after, child_options
from aiscale.core.config import StackConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:blueprints:AzureGpuInferencePlatform"


class AzureGpuInferencePlatform(pulumi.ComponentResource):
    """Resource group and customer-managed keys for the platform."""

    resource_group: resources.ResourceGroup
    keys: KeyVault

    def __init__(self, name: str, config: StackConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        if config.azure is None:
            raise InvalidArgumentError(COMPONENT, "config.azure", "the stack has no aiscale:azure section")
        azure = config.azure
        tags = config.resource_tags()
        protect = config.protect_stateful

        self.resource_group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=azure.resource_group,
            location=azure.location,
            tags=tags,
            opts=child_options(self, protect=protect),
        )

        vault = azure.key_vault
        self.keys = KeyVault(
            f"{name}-keys",
            {
                "vault_name": vault.name,
                "resource_group_name": after(self.resource_group, azure.resource_group),
                "location": azure.location,
                "tenant_id": azure.tenant_id,
                "subscription_id": azure.subscription_id,
                "sku": vault.sku.value,
                "soft_delete_retention_days": vault.soft_delete_retention_days,
                "purge_protection": vault.purge_protection,
                "public_network_access": vault.public_network_access,
                "allowed_ip_ranges": [str(r) for r in vault.allowed_ip_ranges],
                "keys": {
                    key_name: {
                        "key_type": key.key_type.value,
                        **({"key_size": key.key_size} if key.key_size else {}),
                        **({"curve": key.curve} if key.curve else {}),
                        "rotate_after_days": key.rotate_after_days,
                        "expire_after_days": key.expire_after_days,
                        "notify_before_expiry_days": key.notify_before_expiry_days,
                    }
                    for key_name, key in vault.keys.items()
                },
                "key_access": {
                    access_name: {
                        "principal_id": access.principal_id,
                        "principal_type": access.principal_type.value,
                        "role": access.role.value,
                        "keys": list(access.keys),
                    }
                    for access_name, access in vault.key_access.items()
                },
                "tags": tags,
                "protect": protect,
            },
            opts=child_options(self),
        )

        self.register_outputs(
            {
                "resourceGroupName": self.resource_group.name,
                "keyVaultUri": self.keys.vault_uri,
                "keyIds": self.keys.key_ids,
            }
        )

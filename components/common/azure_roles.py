"""Azure built-in role definition ids aiscale assigns (ids are the same in every tenant)."""

from enum import StrEnum

import pulumi
from pulumi_azure_native import authorization

from aiscale.components.common.options import child_options, stable_guid


class AzureRole(StrEnum):
    """Built-in roles by purpose. Values are role definition GUIDs."""

    key_vault_crypto_service_encryption_user = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
    key_vault_crypto_user = "12338af0-0e69-4776-bea7-57ae8d297424"
    key_vault_crypto_officer = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"
    key_vault_administrator = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
    key_vault_contributor = "f25e0fa2-a7c8-4377-a976-54943a77a395"
    contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"
    network_contributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"
    private_dns_zone_contributor = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
    acr_pull = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    storage_blob_data_contributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    storage_file_data_privileged_contributor = "69566ab7-960f-475b-8e7c-b3118f30c6bd"
    aks_cluster_user = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
    azureml_data_scientist = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
    monitoring_data_reader = "b0d8363b-8ddd-447d-831f-62ca05bff136"


#: The key roles a stack config can grant, by their config name.
KEY_ROLES: dict[str, AzureRole] = {
    "crypto_service_encryption_user": AzureRole.key_vault_crypto_service_encryption_user,
    "crypto_user": AzureRole.key_vault_crypto_user,
    "crypto_officer": AzureRole.key_vault_crypto_officer,
}


def role_definition_id(subscription_id: str, role: AzureRole) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role.value}"


def role_assignment(
    name: str,
    *,
    subscription_id: pulumi.Input[str],
    role: AzureRole,
    principal_id: pulumi.Input[str],
    scope: pulumi.Input[str],
    description: str,
    parent: pulumi.Resource,
    principal_type: str = "ServicePrincipal",
) -> authorization.RoleAssignment:
    """A role assignment ``name`` with a GUID name derived from ``name`` (stable across runs)."""
    return authorization.RoleAssignment(
        name,
        role_assignment_name=stable_guid(name),
        scope=scope,
        principal_id=principal_id,
        principal_type=principal_type,
        role_definition_id=pulumi.Output.from_input(subscription_id).apply(lambda sub: role_definition_id(sub, role)),
        description=f"aiscale: {description}",
        opts=child_options(parent),
    )

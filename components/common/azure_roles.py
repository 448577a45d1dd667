"""Azure built-in role definition ids aiscale assigns (ids are the same in every tenant)."""

from __future__ import annotations

from enum import StrEnum


class AzureRole(StrEnum):
    """Built-in roles by purpose. Values are role definition GUIDs."""

    key_vault_crypto_service_encryption_user = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
    key_vault_crypto_user = "12338af0-0e69-4776-bea7-57ae8d297424"
    key_vault_crypto_officer = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"


#: The key roles a stack config can grant, by their config name.
KEY_ROLES: dict[str, AzureRole] = {
    "crypto_service_encryption_user": AzureRole.key_vault_crypto_service_encryption_user,
    "crypto_user": AzureRole.key_vault_crypto_user,
    "crypto_officer": AzureRole.key_vault_crypto_officer,
}


def role_definition_id(subscription_id: str, role: AzureRole) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role.value}"

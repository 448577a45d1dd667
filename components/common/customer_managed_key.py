"""The customer-managed key interface: which key encrypts a component's data, in one shape per cloud.

A component that encrypts with a customer-managed key takes ``customer_managed_key`` (its one key) or a key per
purpose with the same shape (``disk_encryption_key``, ``secrets_encryption_key``), on both clouds. The shapes come
from the key components: :meth:`KeyVault.customer_managed_key` and :meth:`KmsKeyRing.customer_managed_key`.

On Azure the consuming component grants its identity a role on the key (:func:`key_role_assignment`); on Google
Cloud the key ring grants the consuming service's agent (``KmsKeyRing`` ``service_agents``), because a Google
service agent exists per project, not per resource.
"""

from typing import TypedDict

import pulumi
from pulumi_azure_native import authorization, storage

from aiscale.components.common.azure_roles import AzureRole, role_assignment


class AzureCustomerManagedKeyArgs(TypedDict):
    """A Key Vault key that encrypts a component's data."""

    key_vault_id: pulumi.Input[str]
    """ARM resource id of the vault."""
    key_vault_uri: pulumi.Input[str]
    """Vault URI (``https://<vault>.vault.azure.net/``)."""
    key_name: pulumi.Input[str]
    """Name of the key in its vault."""
    key_id: pulumi.Input[str]
    """ARM resource id of the key: the scope of the role the consumer gets on it."""
    key_uri: pulumi.Input[str]
    """Versionless key URI: consumers that follow rotation (storage, registry, Azure ML) use it."""
    key_versioned_uri: pulumi.Input[str]
    """URI of the current key version: what disk encryption sets and AKS KMS require."""


class GcpCustomerManagedKeyArgs(TypedDict):
    """A Cloud KMS key that encrypts a component's data."""

    key_id: pulumi.Input[str]
    """Key resource name (``projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>``); the consuming service's agent
    needs ``roles/cloudkms.cryptoKeyEncrypterDecrypter`` on it."""


def key_role_assignment(
    name: str,
    *,
    key: AzureCustomerManagedKeyArgs,
    principal_id: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    description: str,
    parent: pulumi.Resource,
    role: AzureRole = AzureRole.key_vault_crypto_service_encryption_user,
) -> authorization.RoleAssignment:
    """``name``: ``role`` (wrap/unwrap by default) for ``principal_id`` on the key alone, never on the vault."""
    return role_assignment(
        name,
        subscription_id=subscription_id,
        role=role,
        principal_id=principal_id,
        scope=key["key_id"],
        description=description,
        parent=parent,
    )


def storage_encryption(
    key: AzureCustomerManagedKeyArgs | None, identity_id: pulumi.Input[str] | None = None
) -> storage.EncryptionArgs:
    """A storage account's encryption: infrastructure (double) encryption always, blobs and files with ``key``
    through the user-assigned identity ``identity_id`` when given (the identity needs the key role first)."""
    services = storage.EncryptionServicesArgs(
        blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
        file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
    )
    if key is None:
        return storage.EncryptionArgs(
            key_source="Microsoft.Storage", require_infrastructure_encryption=True, services=services
        )
    return storage.EncryptionArgs(
        key_source="Microsoft.Keyvault",
        require_infrastructure_encryption=True,
        key_vault_properties=storage.KeyVaultPropertiesArgs(
            key_name=key["key_name"], key_vault_uri=key["key_vault_uri"]
        ),
        encryption_identity=storage.EncryptionIdentityArgs(encryption_user_assigned_identity=identity_id),
        services=services,
    )

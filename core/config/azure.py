"""Azure section of the stack configuration (``aiscale:azure``)."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from aiscale.core import rules
from aiscale.core.config.base import StrictModel, Uuid, preset

AzureRegion = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{2,30}$")]
KeyName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9-]{1,127}$")]


class KeyType(StrEnum):
    """Key Vault key types; ``-HSM`` types need the premium vault SKU."""

    RSA = "RSA"
    RSA_HSM = "RSA-HSM"
    EC = "EC"
    EC_HSM = "EC-HSM"


class VaultSku(StrEnum):
    standard = "standard"
    premium = "premium"


class KeyRole(StrEnum):
    """Built-in Key Vault data-plane roles a principal can be given on a key."""

    crypto_service_encryption_user = "crypto_service_encryption_user"
    """Wrap/unwrap only: what disk encryption sets, storage and Azure ML use for customer-managed keys."""
    crypto_user = "crypto_user"
    """Cryptographic operations with the key."""
    crypto_officer = "crypto_officer"
    """Manage the key (rotate, update policy); no secrets or certificates."""


class PrincipalType(StrEnum):
    ServicePrincipal = "ServicePrincipal"
    Group = "Group"
    User = "User"


class AzureKeyConfig(StrictModel):
    """A key in the stack's Key Vault, with its rotation policy."""

    key_type: KeyType = preset(dev=KeyType.RSA, staging=KeyType.RSA, prod=KeyType.RSA_HSM)
    """Key type; prod defaults to HSM-protected keys (CKV_AZURE_112)."""
    key_size: Literal[2048, 3072, 4096] | None = None
    """RSA key size in bits (Key Vault default 2048 when unset); not allowed for EC keys."""
    curve: Literal["P-256", "P-384", "P-521"] | None = None
    """Curve of an EC key; not allowed for RSA keys."""
    rotate_after_days: int = Field(default=90, ge=1, le=rules.MAX_KEY_ROTATION_DAYS)
    """A new key version is created this many days after the current one."""
    expire_after_days: int = Field(default=365, ge=2, le=3650)
    """Each key version expires this many days after it is created."""
    notify_before_expiry_days: int = Field(default=30, ge=1)
    """Event Grid ``Notify`` action this many days before a version expires."""

    @model_validator(mode="after")
    def _consistent(self) -> AzureKeyConfig:
        problem = rules.azure_key_lifetime_problem(
            self.rotate_after_days, self.expire_after_days, self.notify_before_expiry_days
        )
        if problem:
            raise ValueError(problem)
        is_ec = self.key_type in (KeyType.EC, KeyType.EC_HSM)
        if is_ec and self.key_size is not None:
            raise ValueError(f"key_size applies to RSA keys, not {self.key_type}; set curve instead")
        if not is_ec and self.curve is not None:
            raise ValueError(f"curve applies to EC keys, not {self.key_type}; set key_size instead")
        return self


class KeyAccessConfig(StrictModel):
    """A principal that may use keys of the vault (e.g. an identity of a service that encrypts with them)."""

    principal_id: Uuid
    """Object id of the Entra ID principal."""
    principal_type: PrincipalType = PrincipalType.ServicePrincipal
    role: KeyRole = KeyRole.crypto_service_encryption_user
    keys: list[KeyName] = Field(min_length=1)
    """Names of keys in ``key_vault.keys`` the role is granted on (scoped to each key, not the vault)."""


class AzureKeyVaultConfig(StrictModel):
    """The stack's Key Vault: RBAC, purge protection, no public network access by default."""

    name: Annotated[str, StringConstraints(min_length=3, max_length=24)]
    """Globally unique vault name (3-24 characters)."""
    sku: VaultSku = preset(dev=VaultSku.standard, staging=VaultSku.standard, prod=VaultSku.premium)
    """``premium`` is required for HSM-protected keys."""
    soft_delete_retention_days: int = preset(dev=7, staging=30, prod=90, ge=7, le=90)
    """Days a deleted vault or key stays recoverable."""
    purge_protection: bool = True
    """Required for customer-managed keys (disk encryption sets, Azure ML, storage); cannot be turned off later."""
    public_network_access: bool = False
    """Leave off and reach the vault through a private endpoint; on only with ``allowed_ip_ranges``."""
    allowed_ip_ranges: list[IPv4Network] = Field(default_factory=list)
    """Public IP ranges admitted by the vault firewall (only with ``public_network_access``)."""
    keys: dict[KeyName, AzureKeyConfig] = Field(default_factory=dict)
    """Keys by name."""
    key_access: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,40}$")], KeyAccessConfig] = Field(
        default_factory=dict
    )
    """Role assignments on individual keys, by a stable name (part of each assignment's identity)."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        problem = rules.key_vault_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AzureKeyVaultConfig:
        hsm_keys = sorted(n for n, k in self.keys.items() if k.key_type in (KeyType.RSA_HSM, KeyType.EC_HSM))
        if hsm_keys and self.sku is not VaultSku.premium:
            raise ValueError(f"keys {hsm_keys} are HSM-protected and need sku 'premium', not '{self.sku}'")
        if self.allowed_ip_ranges and not self.public_network_access:
            raise ValueError("allowed_ip_ranges only apply with public_network_access: true")
        for access_name, access in self.key_access.items():
            unknown = sorted(set(access.keys) - set(self.keys))
            if unknown:
                raise ValueError(
                    f"key_access.{access_name} names keys {unknown} that are not in keys {sorted(self.keys)}"
                )
        return self


class AzureConfig(StrictModel):
    """Where and how aiscale deploys on Azure."""

    subscription_id: Uuid
    tenant_id: Uuid
    """Entra ID tenant of the Key Vault and of RBAC role assignments."""
    location: AzureRegion
    """Azure region, e.g. ``westeurope``."""
    resource_group: Annotated[str, StringConstraints(pattern=r"^[-\w.()]{1,89}[-\w()]$")]
    """Resource group the platform is deployed into (created by the stack)."""
    key_vault: AzureKeyVaultConfig

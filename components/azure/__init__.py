"""Azure building blocks (azure-native v3)."""

from aiscale.components.azure.key_vault import KeyAccessArgs, KeySpecArgs, KeyVault, KeyVaultArgs

__all__ = ["KeyAccessArgs", "KeySpecArgs", "KeyVault", "KeyVaultArgs"]

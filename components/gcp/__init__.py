"""Google Cloud building blocks (pulumi-gcp)."""

from aiscale.components.gcp.kms import SERVICE_AGENTS, CryptoKeySpecArgs, KmsKeyRing, KmsKeyRingArgs

__all__ = ["SERVICE_AGENTS", "CryptoKeySpecArgs", "KmsKeyRing", "KmsKeyRingArgs"]

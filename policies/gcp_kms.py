"""Cloud KMS keys and their IAM (catalogue rows 45-48). Any pulumi-gcp key or key IAM resource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import rules
from aiscale.policies._support import UNKNOWN, Rule, config_number, each, known, path, resource_policy

CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
KEY_RING = "gcp:kms/keyRing:KeyRing"
IAM_MEMBER_TYPES = ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gcp:kms/keyRingIAMMember:KeyRingIAMMember")
IAM_BINDING_TYPES = ("gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding", "gcp:kms/keyRingIAMBinding:KeyRingIAMBinding")


def _symmetric(args: ResourceValidationArgs) -> None:
    purpose = str(args.props.get("purpose") or "ENCRYPT_DECRYPT")
    if purpose != "ENCRYPT_DECRYPT":
        args.not_applicable(f"purpose {purpose}: Cloud KMS rotates only symmetric keys automatically")


def _rotation(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    _symmetric(args)
    period = args.props.get("rotationPeriod")
    # Absent rotation period: the key is never rotated.
    days = rules.parse_gcp_duration_days(str(period)) if period is not None else None
    problem = rules.key_rotation_problem(days, config_number(config, "maxRotationDays", ROTATION))
    if problem:
        yield f"key {args.name}: {problem}"


def _not_public(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if args.resource_type in IAM_MEMBER_TYPES:
        members = [known(args.props, "member")]
    else:
        members = each(known(args.props, "members"))
    for member in members:
        if member is UNKNOWN:
            continue  # an identity created in the same update (a service account), never allUsers
        problem = rules.public_member_problem(str(member))
        if problem:
            yield f"{problem} on a KMS key"


def _protected(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if not args.opts.protect:
        yield "the resource is not protected: `pulumi destroy` or a removed line would schedule key destruction"


def _hsm(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    _symmetric(args)
    level = path(args.props, "versionTemplate", "protectionLevel")
    if level != "HSM":
        yield f"protection level {level or 'SOFTWARE (absent)'}: use HSM for customer-managed encryption keys"


ROTATION = Rule(
    "ml-kms-01",
    "Cloud KMS key rotation",
    "Symmetric Cloud KMS keys rotate automatically at least every maxRotationDays days.",
    Severity.HIGH,
    ("CKV_GCP_43", "GCP-0065", "KICS:d8c57c4e-bf6f-4e32-a2bf-8643532de77b"),
    "rotationPeriod absent means never rotated; asymmetric keys are not applicable.",
    "Set rotationPeriod to 7776000s (90 days) or less.",
    "Cloud KMS",
    {"maxRotationDays": {"type": "number", "minimum": 1, "default": rules.MAX_KEY_ROTATION_DAYS}},
)

POLICIES = [
    resource_policy(ROTATION, (CRYPTO_KEY,), _rotation),
    resource_policy(
        Rule(
            "ml-kms-02",
            "Cloud KMS keys not public",
            "No KMS key or key ring IAM grant includes allUsers or allAuthenticatedUsers.",
            Severity.CRITICAL,
            ("CKV_GCP_112", "CKV2_GCP_6", "CKV2_GCP_8", "KICS:16cc87d1-dd47-4f46-b3ce-4dfcac8fd2f5"),
            "member/members absent cannot grant anything.",
            "Grant the key role to specific service accounts or groups only.",
            "Cloud KMS",
        ),
        IAM_MEMBER_TYPES + IAM_BINDING_TYPES,
        _not_public,
    ),
    resource_policy(
        Rule(
            "ml-kms-03",
            "Cloud KMS keys protected",
            "Key rings and keys carry Pulumi's protect option, so no update can schedule their destruction.",
            Severity.HIGH,
            ("CKV_GCP_82", "OrgP:cloudkms.minimumDestroyScheduledDuration", "OrgP:cloudkms.disableBeforeDestroy"),
            "The protect option absent means unprotected.",
            "Create key rings and keys with ResourceOptions(protect=True) (aiscale: protect_stateful).",
            "Cloud KMS",
        ),
        (CRYPTO_KEY, KEY_RING),
        _protected,
    ),
    resource_policy(
        Rule(
            "ml-kms-04",
            "Cloud KMS HSM protection",
            "Symmetric Cloud KMS keys are HSM-protected.",
            Severity.MEDIUM,
            ("OrgP:cloudkms.allowedProtectionLevels",),
            "versionTemplate.protectionLevel absent means SOFTWARE.",
            "Set versionTemplate.protectionLevel to HSM.",
            "Cloud KMS",
        ),
        (CRYPTO_KEY,),
        _hsm,
    ),
]

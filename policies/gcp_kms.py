"""Cloud KMS policies (catalogue rows 45-46). They apply to any pulumi-gcp key or key IAM resource."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from aiscale.core import rules
from aiscale.policies._support import CATALOGUE_URL, config_number, matches

CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
IAM_MEMBER_TYPES = ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gcp:kms/keyRingIAMMember:KeyRingIAMMember")
IAM_BINDING_TYPES = ("gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding", "gcp:kms/keyRingIAMBinding:KeyRingIAMBinding")


def _rotation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not matches(args, CRYPTO_KEY):
        return
    purpose = str(args.props.get("purpose") or "ENCRYPT_DECRYPT")
    if purpose != "ENCRYPT_DECRYPT":
        args.not_applicable(f"purpose {purpose}: Cloud KMS rotates only symmetric keys automatically")
    period = args.props.get("rotationPeriod")
    # Absent rotation period: the key is never rotated.
    days = rules.parse_gcp_duration_days(str(period)) if period is not None else None
    problem = rules.key_rotation_problem(days, config_number(args, "maxRotationDays", rules.MAX_KEY_ROTATION_DAYS))
    if problem:
        report(f"key {args.name}: {problem}", None)


def _not_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in IAM_MEMBER_TYPES:
        members = [args.props.get("member")]
    elif args.resource_type in IAM_BINDING_TYPES:
        members = list(args.props.get("members") or [])
    else:
        return
    for member in members:
        problem = rules.public_member_problem(str(member))
        if problem:
            report(f"{problem} on a KMS key", None)


POLICIES = [
    ResourceValidationPolicy(
        name="ml-kms-01",
        display_name="Cloud KMS key rotation",
        description="Symmetric Cloud KMS keys rotate automatically at least every maxRotationDays days.",
        validate=_rotation,
        severity=Severity.HIGH,
        config_schema=PolicyConfigSchema(
            properties={"maxRotationDays": {"type": "number", "minimum": 1, "default": rules.MAX_KEY_ROTATION_DAYS}}
        ),
        tags=["gcp", "kms", "CKV_GCP_43", "GCP-0065", "KICS:d8c57c4e-bf6f-4e32-a2bf-8643532de77b"],
        remediation_steps="Set rotationPeriod to 7776000s (90 days) or less.",
        url=CATALOGUE_URL.format(policy="ml-kms-01"),
    ),
    ResourceValidationPolicy(
        name="ml-kms-02",
        display_name="Cloud KMS keys not public",
        description="No KMS key or key ring IAM grant includes allUsers or allAuthenticatedUsers.",
        validate=_not_public,
        severity=Severity.CRITICAL,
        tags=["gcp", "kms", "CKV_GCP_112", "CKV2_GCP_6", "KICS:16cc87d1-dd47-4f46-b3ce-4dfcac8fd2f5"],
        remediation_steps="Grant the key role to specific service accounts or groups only.",
        url=CATALOGUE_URL.format(policy="ml-kms-02"),
    ),
]

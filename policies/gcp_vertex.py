"""Vertex AI endpoints (catalogue rows 57-58)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.policies._support import Rule, has, path, resource_policy

ENDPOINT = "gcp:vertex/aiEndpoint:AiEndpoint"


def _cmek(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if not has(args.props, "encryptionSpec", "kmsKeyName"):
        yield "the endpoint is not encrypted with a Cloud KMS key (encryptionSpec absent)"


def _private(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    peered = has(args.props, "network")
    psc = path(args.props, "privateServiceConnectConfig", "enablePrivateServiceConnect") is True
    if not peered and not psc:
        yield "the endpoint is public: set network (VPC peering) or privateServiceConnectConfig"


POLICIES = [
    resource_policy(
        Rule(
            "ml-vertex-01",
            "Vertex AI endpoint CMEK",
            "Vertex AI endpoints encrypt with a customer-managed Cloud KMS key.",
            Severity.HIGH,
            ("CKV2_GCP_24", "OrgP:gcp.restrictNonCmekServices"),
            "encryptionSpec absent means Google-managed keys.",
            "Set encryptionSpec.kmsKeyName; grant the Vertex AI service agent the key role.",
            "Vertex AI",
        ),
        (ENDPOINT,),
        _cmek,
    ),
    resource_policy(
        Rule(
            "ml-vertex-02",
            "Vertex AI endpoint private",
            "Vertex AI endpoints serve privately: VPC peering or Private Service Connect.",
            Severity.HIGH,
            ("CKV2_GCP_33", "OrgP:compute.restrictPrivateServiceConnectConsumer"),
            "network and privateServiceConnectConfig absent mean a public endpoint.",
            "Set privateServiceConnectConfig.enablePrivateServiceConnect (or network for VPC peering).",
            "Vertex AI",
        ),
        (ENDPOINT,),
        _private,
    ),
]

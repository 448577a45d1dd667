"""Required tags and labels: every taggable resource names its owner, cost centre and environment."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import rules
from aiscale.policies._support import UNKNOWN, Rule, known, resource_policy

#: azure-native tracked resources (those with a location) accept tags.
AZURE = re.compile(r"^azure-native:[a-zA-Z0-9/]+:[A-Za-z0-9]+$")
#: Where each labelled pulumi-gcp resource type keeps its labels.
GCP_LABELS: dict[str, tuple[str, ...]] = {
    "gcp:container/cluster:Cluster": ("resourceLabels",),
    "gcp:container/nodePool:NodePool": ("nodeConfig", "resourceLabels"),
    "gcp:kms/cryptoKey:CryptoKey": ("labels",),
    "gcp:vertex/aiEndpoint:AiEndpoint": ("labels",),
    "gcp:storage/bucket:Bucket": ("labels",),
    "gcp:compute/instance:Instance": ("labels",),
    "gcp:compute/disk:Disk": ("labels",),
    "gcp:compute/globalAddress:GlobalAddress": ("labels",),
    "gcp:artifactregistry/repository:Repository": ("labels",),
    "gcp:bigquery/dataset:Dataset": ("labels",),
    "gcp:monitoring/alertPolicy:AlertPolicy": ("userLabels",),
    "gcp:monitoring/notificationChannel:NotificationChannel": ("userLabels",),
}


def _check(tags: Any, kind: str, config: Mapping[str, Any]) -> Iterator[str]:
    if tags is UNKNOWN:
        return  # computed elsewhere in the same update
    plain = {str(key): tags[key] for key in tags} if tags else {}
    missing = rules.missing_required_tags(plain)
    if missing:
        yield f"missing required {kind} {missing} (absent {kind} miss all of them)"
    environment = config.get("environment")
    value = plain.get("environment")
    if environment and value and value is not UNKNOWN and str(value) != environment:
        yield f"{kind[:-1]} environment={value} on a resource of a {environment} stack"


def _azure_tags(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    if "location" not in args.props:
        args.not_applicable("not a tracked Azure resource (no location): it takes no tags")
    yield from _check(known(args.props, "tags"), "tags", config)


def _gcp_labels(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    yield from _check(known(args.props, *GCP_LABELS[args.resource_type]), "labels", config)
    labels = known(args.props, *GCP_LABELS[args.resource_type])
    if labels and labels is not UNKNOWN:
        yield from rules.gcp_label_problems({str(k): labels[k] for k in labels if labels[k] is not UNKNOWN})


POLICIES = [
    resource_policy(
        Rule(
            "ml-tags-01",
            "Azure resources carry owner, cost centre and environment tags",
            "Every tracked Azure resource has owner, cost-center and environment tags; environment matches the stack.",
            Severity.MEDIUM,
            ("AzP:871b6d14-10aa-478d-b590-94f262ecfa99", "custom:finops"),
            "tags absent means every required tag is missing.",
            "Set tags owner, cost-center and environment (aiscale sets them from aiscale:owner and aiscale:cost_center).",
            "Tags",
        ),
        (AZURE,),
        _azure_tags,
    ),
    resource_policy(
        Rule(
            "ml-tags-02",
            "Google Cloud resources carry owner, cost centre and environment labels",
            "Every labelled Google Cloud resource has valid owner, cost-center and environment labels.",
            Severity.MEDIUM,
            ("custom:finops",),
            "labels absent means every required label is missing.",
            "Set labels owner, cost-center and environment (lowercase, at most 63 characters).",
            "Tags",
        ),
        tuple(GCP_LABELS),
        _gcp_labels,
    ),
]

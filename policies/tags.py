"""Required tags and labels: every taggable resource names its owner, cost centre and environment.

Which Azure resources take tags comes from the installed provider SDK (the class of the type accepts ``location``
and ``tags``: a tracked resource, whatever supplies its location — the resource, or its provider's
``azure-native:location`` / ``azure:location``). Which Google Cloud resources take labels: the SDK class accepts
``labels``, or the table of types that keep them elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import rules
from aiscale.policies._support import UNKNOWN, Rule, known, placement, resource_policy, sdk_inputs

#: Resources of both Azure providers; those whose SDK class takes a location and tags are checked.
AZURE = re.compile(r"^azure(-native)?:[a-zA-Z0-9/]+:[A-Za-z0-9]+$")
GCP = re.compile(r"^gcp:[a-zA-Z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+$")
#: Labelled pulumi-gcp resource types that keep their labels elsewhere than ``labels``.
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


def tracked_azure_type(resource_type: str) -> bool:
    """An Azure type that takes tags: its SDK class accepts a location and tags (a proxy resource such as a
    subnet, a role assignment or a key does not), or its SDK is not installed here (its location then tells)."""
    if not AZURE.fullmatch(resource_type):
        return False
    inputs = sdk_inputs(resource_type)
    return inputs is None or {"location", "tags"} <= inputs


def labelled_gcp_type(resource_type: str) -> bool:
    return bool(GCP.fullmatch(resource_type)) and label_path(resource_type) is not None


def _azure_tags(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    # The program's SDK is not installed beside the pack: a location (its own or its provider's) tells.
    if sdk_inputs(args.resource_type) is None and placement(args, "location") is None:
        args.not_applicable(
            f"whether {args.resource_type} takes tags is unknown here (its SDK is not installed) and it has no location"
        )
    yield from _check(known(args.props, "tags"), "tags", config)


def label_path(resource_type: str) -> tuple[str, ...] | None:
    """Where a Google Cloud resource type keeps its labels; None when it takes none."""
    if resource_type in GCP_LABELS:
        return GCP_LABELS[resource_type]
    inputs = sdk_inputs(resource_type)
    return ("labels",) if inputs is not None and "labels" in inputs else None


def _gcp_labels(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    labels = known(args.props, *(label_path(args.resource_type) or ("labels",)))
    yield from _check(labels, "labels", config)
    if labels and labels is not UNKNOWN:
        yield from rules.gcp_label_problems({str(k): labels[k] for k in labels if labels[k] is not UNKNOWN})


POLICIES = [
    resource_policy(
        Rule(
            "ml-tags-01",
            "Azure resources carry owner, cost centre and environment tags",
            "Every tracked Azure resource (either provider) has owner, cost-center and environment tags; environment "
            "matches the stack.",
            Severity.MEDIUM,
            ("AzP:871b6d14-10aa-478d-b590-94f262ecfa99", "custom:finops"),
            "tags absent means every required tag is missing; a resource whose SDK class takes no location and tags "
            "(a subnet, a role assignment) is not checked.",
            "Set tags owner, cost-center and environment (aiscale sets them from aiscale:owner and aiscale:cost_center).",
            "Tags",
        ),
        (tracked_azure_type,),
        _azure_tags,
    ),
    resource_policy(
        Rule(
            "ml-tags-02",
            "Google Cloud resources carry owner, cost centre and environment labels",
            "Every labelled Google Cloud resource has valid owner, cost-center and environment labels.",
            Severity.MEDIUM,
            ("custom:finops",),
            "labels absent means every required label is missing; a type whose SDK class takes no labels is not checked.",
            "Set labels owner, cost-center and environment (lowercase, at most 63 characters).",
            "Tags",
        ),
        (labelled_gcp_type,),
        _gcp_labels,
    ),
]

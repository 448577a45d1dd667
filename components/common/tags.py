"""Tags (Azure) and labels (Google Cloud, Kubernetes): one shape on every component, checked where it is given.

Azure tags and GCP labels differ: Azure takes up to 50 tags of any case (names up to 512 characters, values up to
256); GCP labels are lowercase ``[a-z0-9_-]``, keys start with a letter, at most 63 characters and 64 labels per
resource. Every component takes ``tags: Tags`` on Azure and ``labels: Labels`` on Google Cloud and Kubernetes,
puts them on every child that carries tags or labels, and reports a map the cloud would reject before anything
is registered (the rules are ``aiscale.core.rules``', shared with the config and the policy pack).
"""

from collections.abc import Mapping

from aiscale.core import rules
from aiscale.core.errors import InvalidArgumentError

#: The Azure tag and Google Cloud label naming the team a resource's cost belongs to (GPU pools, team identities).
TEAM_TAG = "team"
#: The Kubernetes label naming the team of a namespace and its objects, or of a GPU pool's nodes.
TEAM_LABEL = "aiscale.io/team"

Tags = Mapping[str, str]
"""Azure tags by name."""
Labels = Mapping[str, str]
"""Google Cloud labels (or Kubernetes labels) by key."""


def azure_tags(component: str, tags: Tags | None) -> dict[str, str] | None:
    """The component's tags as given, or an error naming every tag Azure would reject."""
    if tags is None:
        return None
    problems = rules.azure_tag_problems(tags)
    if problems:
        raise InvalidArgumentError(component, "tags", "; ".join(problems))
    return dict(tags)


def gcp_labels(component: str, labels: Labels | None) -> dict[str, str] | None:
    """The component's labels as given, or an error naming every label Google Cloud would reject."""
    if labels is None:
        return None
    problems = rules.gcp_label_problems(labels)
    if problems:
        raise InvalidArgumentError(component, "labels", "; ".join(problems))
    return dict(labels)


def kubernetes_labels(component: str, labels: Labels | None) -> dict[str, str]:
    """The component's Kubernetes labels as given (empty when none), or an error naming every bad label."""
    problems = rules.kubernetes_label_problems(labels or {})
    if problems:
        raise InvalidArgumentError(component, "labels", "; ".join(problems))
    return dict(labels or {})

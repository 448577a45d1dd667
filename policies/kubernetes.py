"""Kubernetes objects (catalogue rows 73-77): namespaces, pod security and resources of workloads."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.policies._support import UNKNOWN, Rule, items, known, path, resource_policy

#: Workload kinds and where their pod spec is.
POD_SPECS: dict[str, tuple[str, ...]] = {
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:core/v1:Pod": ("spec",),
}
#: Namespaced kinds whose objects must not land in ``default``.
NAMESPACED = re.compile(
    r"^kubernetes:(apps/v1:.+|batch/v1:.+|core/v1:(Pod|Service|ConfigMap|Secret|ServiceAccount|"
    r"PersistentVolumeClaim|ResourceQuota|LimitRange)|networking\.k8s\.io/v1:(NetworkPolicy|Ingress)|"
    r"rbac\.authorization\.k8s\.io/v1:(Role|RoleBinding)|policy/v1:PodDisruptionBudget|autoscaling/v2:.+)$"
)
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"


def pod_spec(args: ResourceValidationArgs) -> Mapping[str, Any]:
    return path(args.props, *POD_SPECS[args.resource_type]) or {}


def containers(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [*items(spec.get("initContainers")), *items(spec.get("containers"))]


def _default_namespace(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if args.resource_type == HELM_RELEASE:
        namespace = known(args.props, "namespace")
    else:
        namespace = known(args.props, "metadata", "namespace")
    if namespace is UNKNOWN:
        return  # a namespace created in the same update, so not default
    # Absent means the provider's namespace: default unless the provider says otherwise.
    if namespace in (None, "", "default"):
        yield f"{args.name} goes to the default namespace (metadata.namespace is {namespace or 'absent'})"


def _privileged(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    spec = pod_spec(args)
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(host) is True:
            yield f"the pod shares the node's {host.removeprefix('host')} namespace"
    for container in containers(spec):
        context = container.get("securityContext") or {}
        if context.get("privileged") is True:
            yield f"container {container.get('name')} is privileged"
        added = [str(c) for c in items(path(context, "capabilities", "add"))]
        if "SYS_ADMIN" in added or "ALL" in added:
            yield f"container {container.get('name')} adds capabilities {added}"


def _limits(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for container in containers(pod_spec(args)):
        limits = path(container, "resources", "limits") or {}
        missing = [kind for kind in ("cpu", "memory") if kind not in limits]
        if missing:
            yield f"container {container.get('name')} sets no {' or '.join(missing)} limit (absent means unbounded)"
        requests = path(container, "resources", "requests") or {}
        if "nvidia.com/gpu" in requests and "nvidia.com/gpu" not in limits:
            yield f"container {container.get('name')} requests GPUs without a GPU limit"


def _pod_security(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    labels = known(args.props, "metadata", "labels")
    if labels is UNKNOWN:
        return
    level = (labels or {}).get(PSA_ENFORCE) if labels else None
    if level not in ("baseline", "restricted"):
        yield f"Pod Security Admission enforces {level or 'nothing (label absent: privileged)'}"


POLICIES = [
    resource_policy(
        Rule(
            "ml-k8s-01",
            "No workloads in the default namespace",
            "Namespaced Kubernetes objects and Helm releases go to a named namespace, never default.",
            Severity.MEDIUM,
            ("CKV_K8S_21", "AzP:9f061a12-e40d-4183-a00e-171812443373", "Kyv:disallow-default-namespace"),
            "metadata.namespace absent means the provider's namespace, default unless set.",
            "Set metadata.namespace to the team's namespace.",
            "Kubernetes",
        ),
        (NAMESPACED, HELM_RELEASE),
        _default_namespace,
    ),
    resource_policy(
        Rule(
            "ml-k8s-02",
            "No privileged pods",
            "Pods run no privileged containers, add no SYS_ADMIN capability and share no host namespace.",
            Severity.HIGH,
            ("CKV_K8S_16", "AzP:95edb821-ddaf-4404-9732-666045e056b4", "Kyv:disallow-privileged-containers"),
            "securityContext.privileged and host* absent mean off.",
            "Remove privileged: true, host namespaces and added capabilities (use device plugins for GPUs).",
            "Kubernetes",
        ),
        tuple(POD_SPECS),
        _privileged,
    ),
    resource_policy(
        Rule(
            "ml-k8s-03",
            "Containers set resource limits",
            "Every container sets CPU and memory limits, and a GPU limit where it requests GPUs.",
            Severity.LOW,
            ("CKV_K8S_11", "CKV_K8S_12", "AzP:e345eecc-fa47-480f-9e88-67dcc122b164"),
            "resources.limits absent means unbounded (a LimitRange may still default them in the cluster).",
            "Set resources.limits.cpu and memory (and nvidia.com/gpu equal to the request).",
            "Kubernetes",
        ),
        tuple(POD_SPECS),
        _limits,
    ),
    resource_policy(
        Rule(
            "ml-k8s-04",
            "Namespaces enforce Pod Security",
            "Namespaces enforce the baseline or restricted Pod Security Standard.",
            Severity.MEDIUM,
            ("AzP:95edb821-ddaf-4404-9732-666045e056b4", "CKV_K8S_16"),
            "The pod-security.kubernetes.io/enforce label absent means privileged.",
            "Label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline).",
            "Kubernetes",
        ),
        (NAMESPACE,),
        _pod_security,
    ),
]

"""Autoscaling on the signal that saturates, by something that can serve it.

- A GPU deployment that scales on CPU alone scales too late or never: GPU-bound inference saturates the GPU long
  before the CPU (Azure ML autoscale settings and target-utilisation scaling, Vertex AI deployed models,
  Kubernetes HPAs of GPU workloads).
- A workload scaled on a custom metric needs something in its cluster that computes it: KEDA for a
  ``ScaledObject`` (the AKS add-on, or a Helm release of the ``keda`` chart), a metrics adapter for an HPA on
  pods, object or external metrics. The cluster is the workload's Kubernetes provider; an AKS cluster's add-on
  counts for the providers that depend on the cluster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from aiscale.core import gpu, monitoring
from aiscale.policies._support import NotEvaluated, Rule, azure_type, items, known, stack_policy
from aiscale.policies.azure_aks import CLUSTER as AKS_CLUSTER
from aiscale.policies.stack import ONLINE_DEPLOYMENT, VERTEX_DEPLOYMENT, covered, of_type

AUTOSCALE_SETTING = azure_type("monitor", "AutoscaleSetting")
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HELM_RELEASES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
K8S_PROVIDER = "pulumi:providers:kubernetes"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
VERTEX_CPU_METRIC = "aiplatform.googleapis.com/prediction/online/cpu/utilization"
#: Charts that serve an HPA's custom (pods, object) and external metrics.
METRICS_ADAPTERS = ("prometheus-adapter", "custom-metrics-stackdriver-adapter")


def _azure_gpu(deployment: PolicyResource) -> bool:
    return str(known(deployment.props, "properties", "instanceType")) in gpu.azure_gpu_skus()


def _rule_metrics(setting: PolicyResource) -> set[str]:
    return {
        str(known(rule, "metricTrigger", "metricName"))
        for profile in items(known(setting.props, "profiles"))
        for rule in items(known(profile, "rules"))
    }


def _gpu_on_cpu(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    gpu_deployments = {d.urn: d for d in of_type(resources, ONLINE_DEPLOYMENT) if _azure_gpu(d)}
    for deployment in gpu_deployments.values():
        if known(deployment.props, "properties", "scaleSettings", "scaleType") == "TargetUtilization":
            yield (
                f"GPU deployment {deployment.name} uses target-utilisation scaling, which holds CPU utilisation; "
                f"scale it with an autoscale setting on {monitoring.AZURE_GPU_METRIC}",
                deployment,
            )
    for setting in of_type(resources, AUTOSCALE_SETTING):
        targets = covered([setting], {"azure-native": "targetResourceUri"}) & set(gpu_deployments)
        metrics = _rule_metrics(setting)
        if targets and metrics and metrics <= {monitoring.AZURE_CPU_METRIC}:
            names = ", ".join(sorted(gpu_deployments[urn].name for urn in targets))
            yield (
                f"autoscale setting {setting.name} scales GPU deployment {names} on CPU alone; add a rule on "
                f"{monitoring.AZURE_GPU_METRIC}",
                setting,
            )
    for deployment in of_type(resources, VERTEX_DEPLOYMENT):
        if not known(deployment.props, "accelerator_type"):
            continue
        metrics = set(known(deployment.props, "autoscaling") or {})
        # No metric spec means Vertex AI's default: CPU utilisation.
        if not metrics or metrics <= {VERTEX_CPU_METRIC}:
            yield (
                f"deployed model {deployment.name} runs on GPUs but autoscales on CPU utilisation; scale on "
                "aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle",
                deployment,
            )
    gpu_pods = {
        (known(d.props, "metadata", "namespace"), known(d.props, "metadata", "name"))
        for d in of_type(resources, DEPLOYMENT)
        if any(
            "nvidia.com/gpu" in (known(c, "resources", "requests") or {})
            or "nvidia.com/gpu" in (known(c, "resources", "limits") or {})
            for c in items(known(d.props, "spec", "template", "spec", "containers"))
        )
    }
    for hpa in of_type(resources, HPA):
        target = (known(hpa.props, "metadata", "namespace"), known(hpa.props, "spec", "scaleTargetRef", "name"))
        kinds = {str(known(m, "type")) for m in items(known(hpa.props, "spec", "metrics"))}
        names = {str(known(m, "resource", "name")) for m in items(known(hpa.props, "spec", "metrics"))}
        if target in gpu_pods and kinds <= {"Resource", "None"} and names <= {"cpu", "memory", "None"}:
            yield f"HPA {hpa.name} scales GPU workload {target[1]} on CPU or memory alone", hpa


def _provider(resource: PolicyResource) -> str | None:
    provider = getattr(resource, "provider", None)
    return getattr(provider, "urn", None)


def _chart(release: PolicyResource) -> str:
    return str(known(release.props, "chart")).rsplit("/", 1)[-1]


def _scalers(resources: list[PolicyResource]) -> tuple[dict[str, set[str]], set[str]]:
    """What each Kubernetes provider's cluster runs (``keda``, ``adapter``), and the providers tied to no cluster
    the stack builds."""
    found: dict[str, set[str]] = defaultdict(set)
    for release in of_type(resources, *HELM_RELEASES):
        provider = _provider(release)
        if provider is not None:
            if _chart(release) == "keda":
                found[provider].add("keda")
            if _chart(release) in METRICS_ADAPTERS:
                found[provider].add("adapter")
    keda_clusters = {
        c.urn
        for c in of_type(resources, AKS_CLUSTER)
        if known(c.props, "workloadAutoScalerProfile", "keda", "enabled") is True
    }
    clusters = {c.urn for c in of_type(resources, AKS_CLUSTER, GKE_CLUSTER)}
    untied = set()
    for provider in of_type(resources, K8S_PROVIDER):
        depends = covered([provider])
        if depends & keda_clusters:
            found[provider.urn].add("keda")
        if not depends & clusters:
            untied.add(provider.urn)
    return found, untied


def _custom_metric_scaling(
    args: StackValidationArgs, _config: Mapping[str, Any]
) -> Iterator[tuple[str, PolicyResource] | NotEvaluated]:
    resources = list(args.resources)
    scalers, untied = _scalers(resources)
    gke_providers = {
        p.urn
        for p in of_type(resources, K8S_PROVIDER)
        if covered([p]) & {c.urn for c in of_type(resources, GKE_CLUSTER)}
    }
    for scaled in of_type(resources, SCALED_OBJECT, HPA):
        provider = _provider(scaled)
        if scaled.resource_type == SCALED_OBJECT:
            needs, what = {"keda"}, "KEDA (the AKS add-on or the keda Helm chart)"
        else:
            kinds = {str(known(m, "type")) for m in items(known(scaled.props, "spec", "metrics"))}
            if kinds <= {"Resource", "ContainerResource", "None"}:
                continue  # the metrics server serves CPU and memory
            needs = {"adapter"} if kinds & {"Pods", "Object"} else {"adapter", "keda"}
            what = "a metrics adapter (prometheus-adapter, custom-metrics-stackdriver-adapter)"
            if provider in gke_providers:
                yield NotEvaluated("GKE can serve Managed Service for Prometheus metrics to HPAs itself", scaled)
                continue
        if provider is not None and scalers.get(provider, set()) & needs:
            continue
        if provider is None or provider in untied:
            yield NotEvaluated(
                "its Kubernetes provider is tied to no cluster of the stack: which scaler runs there is unknown",
                scaled,
            )
            continue
        yield f"{scaled.name} scales on a custom metric but its cluster runs no {what}", scaled


POLICIES = [
    stack_policy(
        Rule(
            "ml-scale-01",
            "GPU deployments autoscale on the GPU",
            "A deployment on GPUs does not autoscale on CPU alone: Azure ML autoscale settings hold "
            "GpuUtilizationPercentage, Vertex AI deployed models the accelerator duty cycle, HPAs of GPU workloads "
            "a GPU or queue metric.",
            Severity.MEDIUM,
            ("custom:autoscaling",),
            "A Vertex AI deployed model without autoscaling metric specs scales on CPU (its default); an Azure ML "
            "deployment with target-utilisation scaling holds CPU utilisation.",
            "Scale on the GPU signal (aiscale does for GPU instance and machine types), or on queue depth.",
            "Autoscaling",
        ),
        (ONLINE_DEPLOYMENT, AUTOSCALE_SETTING, VERTEX_DEPLOYMENT, DEPLOYMENT, HPA),
        _gpu_on_cpu,
    ),
    stack_policy(
        Rule(
            "ml-scale-02",
            "Custom-metric autoscaling has a scaler in its cluster",
            "A KEDA ScaledObject, or an HPA on pods, object or external metrics, runs in a cluster where KEDA or a "
            "metrics adapter serves that metric; otherwise the autoscaler reports the metric unavailable and never "
            "scales.",
            Severity.HIGH,
            ("custom:autoscaling",),
            "The cluster is the workload's Kubernetes provider: a Helm release of keda (or prometheus-adapter, "
            "custom-metrics-stackdriver-adapter) with the same provider, or an AKS cluster with "
            "workloadAutoScalerProfile.keda.enabled that the provider depends on. A provider tied to no cluster of "
            "the stack is not evaluated; an HPA on a GKE cluster neither (GKE may serve the metric itself).",
            "Enable the KEDA add-on (aiscale does when teams declare workloads) or install KEDA's chart on the "
            "cluster.",
            "Autoscaling",
        ),
        (SCALED_OBJECT, HPA, *HELM_RELEASES, K8S_PROVIDER, AKS_CLUSTER, GKE_CLUSTER),
        _custom_metric_scaling,
    ),
]

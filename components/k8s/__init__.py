"""Kubernetes building blocks (pulumi-kubernetes) for the GPU clusters: tenancy, GPU stack, inference workloads."""

from aiscale.components.k8s.gpu_stack import GpuStack, GpuStackArgs
from aiscale.components.k8s.inference_workload import InferenceWorkload, InferenceWorkloadArgs
from aiscale.components.k8s.provider import aks_kubeconfig, cluster_provider, gke_kubeconfig
from aiscale.components.k8s.team_namespace import TeamNamespace, TeamNamespaceArgs

__all__ = [
    "GpuStack",
    "GpuStackArgs",
    "InferenceWorkload",
    "InferenceWorkloadArgs",
    "TeamNamespace",
    "TeamNamespaceArgs",
    "aks_kubeconfig",
    "cluster_provider",
    "gke_kubeconfig",
]

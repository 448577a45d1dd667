"""A synthetic multi-tenant Kubernetes program, used by the policy benchmark (and nothing else).

``blocks`` tenants of eight objects each — namespace, default-deny NetworkPolicy, ResourceQuota, ServiceAccount,
RoleBinding, ConfigMap, Deployment and Service — the shape stack policy ml-stack-04 joins on (by namespace):
8 * blocks objects.
"""

from __future__ import annotations

import pulumi_kubernetes as k8s

OBJECTS_PER_BLOCK = 8


def build(blocks: int) -> None:
    for index in range(blocks):
        name = f"team{index}"
        k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={"name": name, "labels": {"pod-security.kubernetes.io/enforce": "restricted"}},
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-deny",
            metadata={"name": "default-deny", "namespace": name},
            spec={"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
        )
        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata={"name": "quota", "namespace": name},
            spec={"hard": {"requests.cpu": "8", "requests.memory": "32Gi", "requests.nvidia.com/gpu": "1"}},
        )
        k8s.core.v1.ServiceAccount(f"{name}-sa", metadata={"name": "workload", "namespace": name})
        k8s.rbac.v1.RoleBinding(
            f"{name}-deployers",
            metadata={"name": "deployers", "namespace": name},
            role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            subjects=[{"kind": "Group", "name": f"{name}-deployers", "api_group": "rbac.authorization.k8s.io"}],
        )
        k8s.core.v1.ConfigMap(f"{name}-config", metadata={"name": "settings", "namespace": name}, data={"a": "b"})
        labels = {"app": "server"}
        k8s.apps.v1.Deployment(
            f"{name}-server",
            metadata={"name": "server", "namespace": name},
            spec={
                "selector": {"match_labels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "service_account_name": "workload",
                        "containers": [
                            {
                                "name": "server",
                                "image": "registry.example/server:1",
                                "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                            }
                        ],
                    },
                },
            },
        )
        k8s.core.v1.Service(
            f"{name}-svc",
            metadata={"name": "server", "namespace": name},
            spec={"selector": labels, "ports": [{"port": 80, "target_port": 8080}]},
        )

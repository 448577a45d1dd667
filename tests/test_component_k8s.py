"""Kubernetes tenancy components: exact children and inputs, identities on both clouds, the GPU stack, providers."""

import base64
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
import yaml

from aiscale.components.k8s import (
    GpuStack,
    InferenceWorkload,
    TeamNamespace,
    aks_kubeconfig,
    cluster_provider,
    gke_kubeconfig,
)
from aiscale.components.k8s.gpu_stack import GpuStackArgs
from aiscale.components.k8s.inference_workload import InferenceWorkloadArgs
from aiscale.components.k8s.keda import PrometheusScalerArgs
from aiscale.components.k8s.provider import convert_kubeconfig
from aiscale.components.k8s.team_namespace import TeamNamespaceArgs
from aiscale.core.engine import RecordedRun, record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

SUB = "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01"
GROUP = "5b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a01"
LABELS = {
    "aiscale.io/team": "fraud",
    "aiscale.io/tenant": "fraud",
    "app.kubernetes.io/managed-by": "aiscale",
    "owner": "ml-platform",
}


def cluster() -> pulumi.ComponentResource:
    """The component a cluster's provider is a child of, as in the blueprints."""
    return pulumi.ComponentResource("test:index:Cluster", "cluster")


def on_cluster(build: Callable[[pulumi.ResourceOptions], object]) -> RecordedRun:
    """Record ``build(opts)`` with an explicit provider, as the blueprints do."""

    def program() -> None:
        provider = cluster_provider("k8s", "apiVersion: v1\nkind: Config\n", parent=cluster())
        build(pulumi.ResourceOptions(providers=[provider]))

    return record_program(program)


def azure_team(**changes: Any) -> TeamNamespaceArgs:
    base: TeamNamespaceArgs = {
        "namespace": "fraud",
        "quota": {"gpus": 4, "cpu": "32", "memory": "128Gi"},
        "gateway_namespaces": ["ingress"],
        "egress_cidrs": ["10.30.4.0/24"],
        "azure_identity": {
            "resource_group_name": "rg",
            "location": "westeurope",
            "oidc_issuer_url": "https://oidc.example/issuer/",
            "identity_name": "id-aks-fraud",
        },
        "azure_access": {"group_object_id": GROUP, "cluster_id": "/aks/cluster", "subscription_id": SUB},
        "labels": {"owner": "ml-platform"},
    }
    return changed(base, changes)


def gcp_team(**changes: Any) -> TeamNamespaceArgs:
    base = azure_team()
    del base["azure_identity"], base["azure_access"]
    base["gcp_identity"] = {"project": "aiscale-prod", "account_id": "fraud-workload"}
    base["group_access"] = {"group": "fraud-team@example.com"}
    return changed(base, changes)


def record_team(args: TeamNamespaceArgs) -> RecordedRun:
    return on_cluster(lambda opts: TeamNamespace("team", args, opts=opts))


def test_azure_team_children() -> None:
    run = record_team(azure_team())
    assert children(run, find(run, "aiscale:index:TeamNamespace", "team")) == [
        ("kubernetes:core/v1:Namespace", "team-namespace"),
        ("kubernetes:core/v1:ResourceQuota", "team-quota"),
        ("kubernetes:core/v1:LimitRange", "team-limits"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-netpol-default-deny"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-netpol-allow-dns"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-netpol-allow-same-namespace"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-netpol-allow-gateway"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-netpol-allow-metrics"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-netpol-allow-egress"),
        ("azure-native:managedidentity:UserAssignedIdentity", "team-identity"),
        ("azure-native:managedidentity:FederatedIdentityCredential", "team-federation"),
        ("kubernetes:core/v1:ServiceAccount", "team-service-account"),
        ("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "team-deployers"),
        ("azure-native:authorization:RoleAssignment", "team-cluster-user"),
    ]
    # Kubernetes objects go through the explicit provider, never the ambient kubeconfig.
    provider = find(run, "pulumi:providers:kubernetes", "k8s")
    kube_objects = [r for r in run.registrations if r.type.startswith("kubernetes:")]
    assert kube_objects and all(r.provider and r.provider.startswith(provider.urn) for r in kube_objects)


def test_namespace_pod_security_and_quota() -> None:
    run = record_team(azure_team())
    namespace = find(run, "kubernetes:core/v1:Namespace", "team-namespace")
    assert namespace.inputs["metadata"] == {
        "labels": {
            **LABELS,
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted",
        },
        "name": "fraud",
    }
    quota = find(run, "kubernetes:core/v1:ResourceQuota", "team-quota")
    assert quota.inputs["metadata"] == {"labels": LABELS, "name": "team-quota", "namespace": "fraud"}
    assert quota.inputs["spec"] == {
        "hard": {
            "limits.cpu": "32",
            "limits.memory": "128Gi",
            "pods": "100",
            "requests.cpu": "32",
            "requests.memory": "128Gi",
            "requests.nvidia.com/gpu": "4",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
        }
    }
    assert namespace.urn in quota.dependencies
    limits = find(run, "kubernetes:core/v1:LimitRange", "team-limits")
    assert limits.inputs["spec"] == {
        "limits": [
            {
                "default": {"cpu": "1", "memory": "2Gi"},
                "defaultRequest": {"cpu": "250m", "memory": "512Mi"},
                "type": "Container",
            }
        ]
    }


def test_baseline_pod_security_keeps_restricted_warnings() -> None:
    run = record_team(azure_team(pod_security="baseline"))
    labels = find(run, "kubernetes:core/v1:Namespace", "team-namespace").inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == labels["pod-security.kubernetes.io/audit"] == "restricted"


def test_network_policies_deny_by_default_and_allow_explicitly() -> None:
    run = record_team(azure_team())

    def spec(suffix: str) -> dict[str, Any]:
        return find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", f"team-netpol-{suffix}").inputs["spec"]

    def from_namespaces(*names: str) -> dict[str, Any]:
        return {
            "namespaceSelector": {
                "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(names)}]
            }
        }

    assert spec("default-deny") == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert spec("allow-dns") == {
        "egress": [
            {
                "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                "to": [{**from_namespaces("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            }
        ],
        "podSelector": {},
        "policyTypes": ["Egress"],
    }
    assert spec("allow-same-namespace") == {
        "egress": [{"to": [{"podSelector": {}}]}],
        "ingress": [{"from": [{"podSelector": {}}]}],
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    assert spec("allow-gateway")["ingress"] == [{"from": [from_namespaces("ingress")]}]
    # AKS managed Prometheus (ama-metrics) scrapes from kube-system.
    assert spec("allow-metrics")["ingress"] == [{"from": [from_namespaces("kube-system")]}]
    assert spec("allow-egress")["egress"] == [
        {
            "ports": [{"port": 443, "protocol": "TCP"}],
            "to": [
                {
                    "ipBlock": {
                        "cidr": "0.0.0.0/0",
                        "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
                    }
                }
            ],
        },
        {"to": [{"ipBlock": {"cidr": "10.30.4.0/24"}}]},
    ]


def test_azure_workload_identity_is_federated_to_the_service_account() -> None:
    run = record_team(azure_team())
    identity = find(run, "azure-native:managedidentity:UserAssignedIdentity", "team-identity")
    federation = find(run, "azure-native:managedidentity:FederatedIdentityCredential", "team-federation")
    account = find(run, "kubernetes:core/v1:ServiceAccount", "team-service-account")
    assert identity.inputs == {"location": "westeurope", "resourceGroupName": "rg", "resourceName": "id-aks-fraud"}
    assert federation.inputs == {
        "audiences": ["api://AzureADTokenExchange"],
        "federatedIdentityCredentialResourceName": "fraud-workload",
        "issuer": "https://oidc.example/issuer/",
        "resourceGroupName": "rg",
        "resourceName": "id-aks-fraud",
        "subject": "system:serviceaccount:fraud:workload",
    }
    assert identity.urn in federation.dependencies
    assert account.inputs["automountServiceAccountToken"] is False
    assert account.inputs["metadata"] == {
        "annotations": {"azure.workload.identity/client-id": "[unknown]"},
        "labels": LABELS,
        "name": "workload",
        "namespace": "fraud",
    }
    assert account.property_dependencies["metadata"] and identity.urn in account.dependencies


def test_team_group_deploys_in_its_namespace_only() -> None:
    run = record_team(azure_team())
    binding = find(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "team-deployers")
    assert binding.inputs["metadata"]["namespace"] == "fraud"
    assert binding.inputs["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}
    assert binding.inputs["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": GROUP}]
    user = find(run, "azure-native:authorization:RoleAssignment", "team-cluster-user")
    assert user.inputs["principalId"] == GROUP
    assert user.inputs["principalType"] == "Group"
    assert user.inputs["scope"] == "/aks/cluster"
    assert user.inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
    )


def test_gcp_team_uses_a_google_service_account() -> None:
    run = record_team(gcp_team())
    names = [name for _, name in children(run, find(run, "aiscale:index:TeamNamespace", "team"))]
    assert names[-4:] == ["team-identity", "team-workload-identity-user", "team-service-account", "team-deployers"]
    account = find(run, "gcp:serviceaccount/account:Account", "team-identity")
    assert account.inputs == {
        "accountId": "fraud-workload",
        "displayName": "Workloads of team namespace fraud",
        "project": "aiscale-prod",
    }
    member = find(run, "gcp:serviceaccount/iAMMember:IAMMember", "team-workload-identity-user")
    assert member.inputs["role"] == "roles/iam.workloadIdentityUser"
    assert member.inputs["member"] == "serviceAccount:aiscale-prod.svc.id.goog[fraud/workload]"
    annotations = find(run, "kubernetes:core/v1:ServiceAccount", "team-service-account").inputs["metadata"]
    assert annotations["annotations"] == {"iam.gke.io/gcp-service-account": "[unknown]"}
    binding = find(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "team-deployers")
    assert binding.inputs["subjects"][0]["name"] == "fraud-team@example.com"

    def spec(suffix: str) -> dict[str, Any]:
        return find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", f"team-netpol-{suffix}").inputs["spec"]

    # GKE managed Prometheus scrapes from gmp-system; the GKE metadata server serves workload identity tokens.
    assert spec("allow-metrics")["ingress"][0]["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == [
        "gmp-system"
    ]
    assert spec("allow-egress")["egress"][1] == {
        "ports": [{"port": 80, "protocol": "TCP"}, {"port": 988, "protocol": "TCP"}],
        "to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}],
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"namespace": "default"}, "namespace: 'default' is a system namespace"),
        ({"namespace": "Fraud_Team"}, "namespace: 'Fraud_Team' is not a DNS label"),
        ({"pod_security": "privileged"}, "pod_security: 'privileged' is not one of restricted, baseline"),
        ({"gcp_identity": {"project": "p", "account_id": "fraud-workload"}}, "give exactly one of azure_identity"),
        ({"azure_access": None}, "give exactly one of azure_access"),
    ],
)
def test_team_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_team(azure_team(**changes))
    assert message in str(caught.value)


# --- GPU stack ------------------------------------------------------------------------------------------------


def test_gpu_operator_on_aks_with_platform_drivers() -> None:
    run = on_cluster(lambda opts: GpuStack("gpu", {"cloud": "azure", "driver": "platform"}, opts=opts))
    assert children(run, find(run, "aiscale:index:GpuStack", "gpu")) == [
        ("kubernetes:core/v1:Namespace", "gpu-namespace"),
        ("kubernetes:helm.sh/v3:Release", "gpu-gpu-operator"),
        ("kubernetes:azmonitoring.coreos.com/v1:ServiceMonitor", "gpu-dcgm-scrape"),
    ]
    namespace = find(run, "kubernetes:core/v1:Namespace", "gpu-namespace")
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    release = find(run, "kubernetes:helm.sh/v3:Release", "gpu-gpu-operator")
    tolerations = [
        {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"},
        {"effect": "NoSchedule", "key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot"},
        {"effect": "NoSchedule", "key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true"},
    ]
    assert {k: v for k, v in release.inputs.items() if k != "compat"} == {
        "atomic": True,
        "chart": "gpu-operator",
        "cleanupOnFail": True,
        "name": "gpu-operator",
        "namespace": "gpu-operator",
        "repositoryOpts": {"repo": "https://helm.ngc.nvidia.com/nvidia"},
        "timeout": 900,
        "values": {
            "daemonsets": {"tolerations": tolerations},
            "dcgmExporter": {"enabled": True, "serviceMonitor": {"enabled": False}},
            "devicePlugin": {"enabled": True},
            # AKS images carry the driver and toolkit.
            "driver": {"enabled": False},
            "node-feature-discovery": {"worker": {"tolerations": tolerations}},
            "toolkit": {"enabled": False},
        },
        "version": "v25.10.1",
    }
    scrape = find(run, "kubernetes:azmonitoring.coreos.com/v1:ServiceMonitor", "gpu-dcgm-scrape")
    assert scrape.inputs["metadata"]["namespace"] == "gpu-operator"
    assert scrape.inputs["spec"] == {
        "endpoints": [
            {
                "interval": "30s",
                "port": "gpu-metrics",
                "relabelings": [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}],
            }
        ],
        "selector": {"matchLabels": {"app": "nvidia-dcgm-exporter"}},
    }
    assert release.urn in scrape.dependencies


def test_gpu_operator_installs_drivers_and_merges_overrides() -> None:
    args: GpuStackArgs = {
        "cloud": "gcp",
        "driver": "operator",
        "chart_version": "v25.3.4",
        "values": {"driver": {"version": "570"}},
    }
    run = on_cluster(lambda opts: GpuStack("gpu", args, opts=opts))
    release = find(run, "kubernetes:helm.sh/v3:Release", "gpu-gpu-operator")
    assert release.inputs["version"] == "v25.3.4"
    assert release.inputs["values"]["driver"] == {"enabled": True, "version": "570"}
    assert release.inputs["values"]["toolkit"] == {"enabled": True}
    scrape = find(run, "kubernetes:monitoring.googleapis.com/v1:PodMonitoring", "gpu-dcgm-scrape")
    assert scrape.inputs["spec"] == {
        "endpoints": [{"interval": "30s", "port": "gpu-metrics"}],
        "selector": {"matchLabels": {"app": "nvidia-dcgm-exporter"}},
        "targetLabels": {"metadata": ["pod", "container", "node"]},
    }


def test_gke_managed_drivers_need_no_gpu_stack() -> None:
    with pytest.raises(InvalidArgumentError, match="GKE-managed drivers come with GKE's device plugin"):
        on_cluster(lambda opts: GpuStack("gpu", {"cloud": "gcp", "driver": "platform"}, opts=opts))


# --- Inference workload ---------------------------------------------------------------------------------------

WORKLOAD: InferenceWorkloadArgs = {
    "workload_name": "fraud-scorer",
    "namespace": "fraud",
    "image": "nvcr.io/nvidia/tritonserver:25.01-py3",
    "gpu_pools": ["a100serve"],
    "min_replicas": 2,
    "max_replicas": 6,
    "autoscaling": {
        "query": 'sum(nv_inference_pending_request_count{namespace="fraud",pod=~"fraud-scorer-.*"})',
        "target": "8",
    },
    "scaler": {
        "server_address": "https://amw.westeurope.prometheus.monitor.azure.com",
        "pod_identity_provider": "azure-workload",
        "identity_id": "00000000-0000-0000-0000-00000000keda",
    },
    "cloud": "azure",
    "service_account": "workload",
    "azure_workload_identity": True,
}
GCP_SCALER: PrometheusScalerArgs = {
    "server_address": "https://monitoring.googleapis.com/v1/projects/aiscale-prod/location/global/prometheus",
    "pod_identity_provider": "gcp",
}


def test_inference_workload() -> None:
    run = on_cluster(lambda opts: InferenceWorkload("scorer", WORKLOAD, opts=opts))
    assert children(run, find(run, "aiscale:index:InferenceWorkload", "scorer")) == [
        ("kubernetes:apps/v1:Deployment", "scorer-deployment"),
        ("kubernetes:core/v1:Service", "scorer-service"),
        ("kubernetes:policy/v1:PodDisruptionBudget", "scorer-pdb"),
        ("kubernetes:azmonitoring.coreos.com/v1:PodMonitor", "scorer-metrics"),
        ("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "scorer-trigger-auth"),
        ("kubernetes:keda.sh/v1alpha1:ScaledObject", "scorer-scaler"),
    ]
    deployment = find(run, "kubernetes:apps/v1:Deployment", "scorer-deployment")
    assert deployment.ignore_changes == ["spec.replicas"]
    template = deployment.inputs["spec"]["template"]
    assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    pod = template["spec"]
    container = pod["containers"][0]
    resources = {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}
    assert container["resources"] == {"limits": resources, "requests": resources}
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
    }
    assert container["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": "http"}
    assert pod["tolerations"] == [{"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}]
    assert pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": "aiscale.io/gpu-pool", "operator": "In", "values": ["a100serve"]}]}
        ]
    }
    assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert pod["serviceAccountName"] == "workload"
    assert [port["name"] for port in container["ports"]] == ["http", "metrics"]
    metrics = find(run, "kubernetes:azmonitoring.coreos.com/v1:PodMonitor", "scorer-metrics")
    assert metrics.inputs["spec"] == {
        "podMetricsEndpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics"}],
        "selector": {"matchLabels": {"app.kubernetes.io/name": "fraud-scorer"}},
    }
    authentication = find(run, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "scorer-trigger-auth")
    assert authentication.inputs["metadata"]["name"] == "fraud-scorer-prometheus"
    assert authentication.inputs["spec"] == {
        "podIdentity": {"identityId": "00000000-0000-0000-0000-00000000keda", "provider": "azure-workload"}
    }
    scaler = find(run, "kubernetes:keda.sh/v1alpha1:ScaledObject", "scorer-scaler")
    assert scaler.inputs["spec"] == {
        "advanced": {
            "horizontalPodAutoscalerConfig": {
                "behavior": {
                    "scaleDown": {
                        "policies": [{"periodSeconds": 300, "type": "Pods", "value": 1}],
                        "stabilizationWindowSeconds": 600,
                    },
                    "scaleUp": {"stabilizationWindowSeconds": 0},
                }
            }
        },
        "cooldownPeriod": 600,
        "maxReplicaCount": 6,
        "minReplicaCount": 2,
        "pollingInterval": 30,
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "fraud-scorer"},
        "triggers": [
            {
                "authenticationRef": {"name": "fraud-scorer-prometheus"},
                "metadata": {
                    "activationThreshold": "0",
                    "ignoreNullValues": "false",
                    "query": WORKLOAD["autoscaling"]["query"],
                    "serverAddress": "https://amw.westeurope.prometheus.monitor.azure.com",
                    "threshold": "8",
                },
                "type": "prometheus",
            }
        ],
    }
    assert {deployment.urn, authentication.urn} <= set(scaler.dependencies)
    pdb = find(run, "kubernetes:policy/v1:PodDisruptionBudget", "scorer-pdb")
    assert pdb.inputs["spec"] == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": {"app.kubernetes.io/name": "fraud-scorer"}},
    }


def test_spot_workloads_tolerate_spot_nodes() -> None:
    run = on_cluster(lambda opts: InferenceWorkload("scorer", {**WORKLOAD, "spot": True}, opts=opts))
    pod = find(run, "kubernetes:apps/v1:Deployment", "scorer-deployment").inputs["spec"]["template"]["spec"]
    assert [t["key"] for t in pod["tolerations"]] == [
        "nvidia.com/gpu",
        "kubernetes.azure.com/scalesetpriority",
        "cloud.google.com/gke-spot",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"image": "nvcr.io/nvidia/tritonserver"}, "image: 'nvcr.io/nvidia/tritonserver' has no tag or digest"),
        ({"gpu_pools": []}, "gpu_pools: name at least one GPU pool"),
        ({"min_replicas": 3, "max_replicas": 2}, "min_replicas: need 0 <= min_replicas (3) <= max_replicas (2)"),
        ({"min_replicas": 0}, "autoscaling.activation_query: min_replicas 0 needs a query measured outside"),
        ({"cloud": "aws"}, "cloud: 'aws' is not one of azure, gcp"),
        ({"scaler": GCP_SCALER | {"identity_id": "x"}}, "scaler.identity_id: the azure-workload pod identity names"),
        ({"metrics_port": 8080}, "metrics_port: must differ from port"),
    ],
)
def test_inference_workload_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        on_cluster(lambda opts: InferenceWorkload("scorer", changed(WORKLOAD, changes), opts=opts))
    assert message in str(caught.value)


def test_scale_to_zero_wakes_on_a_query_outside_the_pods_on_gke() -> None:
    workload: InferenceWorkloadArgs = {
        **WORKLOAD,
        "min_replicas": 0,
        "cloud": "gcp",
        "scaler": GCP_SCALER,
        "azure_workload_identity": False,
        "autoscaling": {**WORKLOAD["autoscaling"], "activation_query": "sum(rate(gateway_requests_total[2m]))"},
    }
    run = on_cluster(lambda opts: InferenceWorkload("scorer", workload, opts=opts))
    scaler = find(run, "kubernetes:keda.sh/v1alpha1:ScaledObject", "scorer-scaler").inputs["spec"]
    assert scaler["minReplicaCount"] == 0
    assert [(t["metadata"]["query"], t["metadata"]["ignoreNullValues"]) for t in scaler["triggers"]] == [
        (WORKLOAD["autoscaling"]["query"], "true"),
        ("sum(rate(gateway_requests_total[2m]))", "true"),
    ]
    authentication = find(run, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "scorer-trigger-auth")
    assert authentication.inputs["spec"] == {"podIdentity": {"provider": "gcp"}}
    metrics = find(run, "kubernetes:monitoring.googleapis.com/v1:PodMonitoring", "scorer-metrics")
    assert metrics.inputs["spec"]["targetLabels"] == {"metadata": ["pod", "container"]}
    assert metrics.inputs["spec"]["endpoints"] == [{"interval": "30s", "path": "/metrics", "port": "metrics"}]


# --- Providers from cluster credentials -------------------------------------------------------------------------

AKS_KUBECONFIG = """apiVersion: v1
kind: Config
users:
- name: clusterUser
  user:
    exec:
      command: kubelogin
      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630,
             --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, tid, --login, devicecode]
- name: other
  user: {token: abc}
"""


@pytest.mark.parametrize(
    ("login", "args"),
    [
        ("azurecli", ["get-token", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--login", "azurecli"]),
        (
            "workloadidentity",
            ["get-token", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--login", "workloadidentity"],
        ),
        (
            "devicecode",
            [
                "get-token",
                "--environment",
                "AzurePublicCloud",
                "--server-id",
                "6dae42f8-4368-4678-94ff-3960e28e3630",
                "--client-id",
                "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
                "--tenant-id",
                "tid",
                "--login",
                "devicecode",
            ],
        ),
    ],
)
def test_kubelogin_modes(login: str, args: list[str]) -> None:
    converted = yaml.safe_load(convert_kubeconfig(AKS_KUBECONFIG, login))
    assert converted["users"][0]["user"]["exec"]["args"] == args
    assert converted["users"][1] == {"name": "other", "user": {"token": "abc"}}


def test_unknown_kubelogin_mode() -> None:
    with pytest.raises(ValueError, match="login 'interactive' is not one of azurecli"):
        convert_kubeconfig(AKS_KUBECONFIG, "interactive")


def test_aks_kubeconfig_is_a_secret_read_from_the_cluster_credentials() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        kubeconfig = aks_kubeconfig("rg", "aks-unit", login="workloadidentity")
        kubeconfig.apply(lambda text: seen.setdefault("kubeconfig", text))
        cluster_provider("k8s", kubeconfig, parent=cluster())

    run = record_program(program, preview=False)
    config = yaml.safe_load(seen["kubeconfig"])
    assert config["clusters"][0]["cluster"]["server"] == "https://aks-unit.offline.privatelink.azmk8s.io:443"
    assert config["users"][0]["user"]["exec"]["args"][-2:] == ["--login", "workloadidentity"]
    assert find(run, "pulumi:providers:kubernetes", "k8s").inputs["kubeconfig"] == "[secret]"


def test_gke_kubeconfig_uses_the_auth_plugin() -> None:
    seen: dict[str, str] = {}

    def program() -> None:
        ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----").decode()
        gke_kubeconfig("gke-unit", "10.0.0.2", ca).apply(lambda text: seen.setdefault("kubeconfig", text))

    record_program(program, preview=False)
    config = yaml.safe_load(seen["kubeconfig"])
    assert config["clusters"][0]["cluster"]["server"] == "https://10.0.0.2"
    assert config["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
    assert config["current-context"] == "gke-unit"

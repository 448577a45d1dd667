"""KEDA on both clouds: the AKS add-on's operator identity, the pinned chart on GKE, and the cluster flag."""

from typing import Any

import pytest

from aiscale.components.azure.aks import AksCluster
from aiscale.components.k8s.keda import KEDA_VERSION, Keda, KedaAzureArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import children, find
from tests.test_component_aks import cluster_args
from tests.test_component_k8s import on_cluster

SUB = "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01"
AZURE: KedaAzureArgs = {
    "resource_group_name": "rg",
    "location": "westeurope",
    "subscription_id": SUB,
    "oidc_issuer_url": "https://oidc.example/issuer/",
    "monitor_workspace_id": "/amw/platform",
    "prometheus_query_endpoint": "https://amw.westeurope.prometheus.monitor.azure.com",
    "identity_name": "id-aks-keda",
}


def test_aks_add_on_operator_reads_managed_prometheus_as_its_identity() -> None:
    scalers: list[Any] = []

    def program() -> None:
        keda = Keda("keda", {"azure": AZURE, "tags": {"owner": "ml"}})
        scalers.append(keda.prometheus_scaler())

    run = record_program(program, preview=False)
    assert children(run, find(run, "aiscale:index:Keda", "keda")) == [
        ("azure-native:managedidentity:UserAssignedIdentity", "keda-identity"),
        ("azure-native:managedidentity:FederatedIdentityCredential", "keda-federation"),
        ("azure-native:authorization:RoleAssignment", "keda-prometheus-reader"),
    ]
    federation = find(run, "azure-native:managedidentity:FederatedIdentityCredential", "keda-federation")
    assert federation.inputs == {
        "audiences": ["api://AzureADTokenExchange"],
        "federatedIdentityCredentialResourceName": "keda-operator",
        "issuer": "https://oidc.example/issuer/",
        "resourceGroupName": "rg",
        "resourceName": "id-aks-keda",
        "subject": "system:serviceaccount:kube-system:keda-operator",
    }
    reader = find(run, "azure-native:authorization:RoleAssignment", "keda-prometheus-reader")
    assert reader.inputs["scope"] == "/amw/platform"
    assert reader.inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/b0d8363b-8ddd-447d-831f-62ca05bff136"
    )
    assert sorted(scalers[0]) == ["identity_id", "pod_identity_provider", "server_address"]
    assert scalers[0]["pod_identity_provider"] == "azure-workload"


def test_gke_installs_the_pinned_chart_with_a_google_identity() -> None:
    run = on_cluster(
        lambda opts: Keda("keda", {"gcp": {"project": "aiscale-prod"}, "labels": {"owner": "ml"}}, opts=opts)
    )
    assert children(run, find(run, "aiscale:index:Keda", "keda")) == [
        ("gcp:serviceaccount/account:Account", "keda-sa"),
        ("gcp:projects/iAMMember:IAMMember", "keda-monitoring-viewer"),
        ("gcp:serviceaccount/iAMMember:IAMMember", "keda-workload-identity-user"),
        ("kubernetes:core/v1:Namespace", "keda-namespace"),
        ("kubernetes:helm.sh/v3:Release", "keda-release"),
    ]
    viewer = find(run, "gcp:projects/iAMMember:IAMMember", "keda-monitoring-viewer")
    assert (viewer.inputs["role"], viewer.inputs["project"]) == ("roles/monitoring.viewer", "aiscale-prod")
    binding = find(run, "gcp:serviceaccount/iAMMember:IAMMember", "keda-workload-identity-user")
    assert binding.inputs["member"] == "serviceAccount:aiscale-prod.svc.id.goog[keda/keda-operator]"
    assert binding.inputs["role"] == "roles/iam.workloadIdentityUser"
    release = find(run, "kubernetes:helm.sh/v3:Release", "keda-release")
    assert {k: release.inputs[k] for k in ("chart", "version", "repositoryOpts", "namespace", "atomic")} == {
        "atomic": True,
        "chart": "keda",
        "namespace": "keda",
        "repositoryOpts": {"repo": "https://kedacore.github.io/charts"},
        "version": KEDA_VERSION,
    }
    assert release.inputs["values"] == {
        "additionalLabels": {"app.kubernetes.io/managed-by": "aiscale", "owner": "ml"},
        "podIdentity": {"gcp": {"enabled": True, "gcpIAMServiceAccount": "[unknown]"}},
        "serviceAccount": {"operator": {"name": "keda-operator"}},
    }
    assert {viewer.urn, binding.urn} <= set(release.dependencies)
    namespace = find(run, "kubernetes:core/v1:Namespace", "keda-namespace")
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_keda_takes_one_cloud() -> None:
    with pytest.raises(InvalidArgumentError, match="azure: give exactly one of azure"):
        record_program(lambda: Keda("keda", {"azure": AZURE, "gcp": {"project": "p-unit-1"}}))


def test_aks_enables_the_keda_add_on() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args(keda=True)))
    cluster = find(run, "azure-native:containerservice:ManagedCluster", "aks-cluster")
    assert cluster.inputs["workloadAutoScalerProfile"] == {"keda": {"enabled": True}}
    plain = record_program(lambda: AksCluster("aks", cluster_args()))
    assert (
        "workloadAutoScalerProfile"
        not in find(plain, "azure-native:containerservice:ManagedCluster", "aks-cluster").inputs
    )

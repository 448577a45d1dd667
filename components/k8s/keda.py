"""KEDA on a cluster, able to read the managed Prometheus of its cloud with a workload identity.

- **AKS**: KEDA is the managed add-on (``AksCluster`` ``keda``: the cluster's ``workload_auto_scaler_profile``).
  This component gives its operator (``kube-system/keda-operator``) a user-assigned identity with a federated
  credential and *Monitoring Data Reader* on the Azure Monitor workspace; a ``TriggerAuthentication`` names the
  identity (``azure-workload`` pod identity). After the first deployment, restart the operator once
  (``kubectl rollout restart deployment keda-operator -n kube-system``) so it picks up the federation.
- **GKE**: KEDA from its pinned Helm chart in the ``keda`` namespace; its operator runs as a Google service
  account with *Monitoring Viewer* through workload identity (``gcp`` pod identity), querying Managed Service for
  Prometheus. An offline plan cannot render a Helm chart: the chart is one ``helm.v3.Release``, one resource.

Workloads take :meth:`Keda.prometheus_scaler` (``InferenceWorkload`` ``scaler``).
"""

from typing import NotRequired, TypedDict

import pulumi

from aiscale.components.common.defaults import declare
from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import Labels, Tags, azure_tags, kubernetes_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.common.workload_identity import azure_federated_identity, gke_workload_identity_user
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("Keda")
KEDA_CHART = "keda"
KEDA_REPOSITORY = "https://kedacore.github.io/charts"
#: Pinned chart version (KEDA 2.20): upgrading it is a reviewed change.
KEDA_VERSION = "2.20.2"
#: Where the AKS add-on runs the operator, and the Helm chart's default name for it.
AKS_OPERATOR = ("kube-system", "keda-operator")
GKE_OPERATOR = ("keda", "keda-operator")
CLOUDS = ("azure", "gcp")


class KedaAzureArgs(TypedDict):
    """AKS: the identity the add-on's operator reads Azure Monitor managed Prometheus with."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer (``AksCluster.oidc_issuer_url``)."""
    monitor_workspace_id: pulumi.Input[str]
    """Azure Monitor workspace of the cluster's Prometheus metrics."""
    prometheus_query_endpoint: pulumi.Input[str]
    """Its query endpoint (``https://<workspace>.<region>.prometheus.monitor.azure.com``)."""
    identity_name: str


class KedaGcpArgs(TypedDict):
    """GKE: the Google service account the operator reads Managed Service for Prometheus with."""

    project: str
    account_id: NotRequired[str]
    """Service account id."""


class PrometheusScalerArgs(TypedDict):
    """Where a KEDA Prometheus trigger queries, and how it authenticates."""

    server_address: pulumi.Input[str]
    pod_identity_provider: str
    """``azure-workload`` or ``gcp``."""
    identity_id: NotRequired[pulumi.Input[str]]
    """Client id of the Azure identity (``azure-workload``)."""


class KedaArgs(TypedDict):
    """Arguments of :class:`Keda`. Give ``azure`` (AKS add-on) or ``gcp`` (Helm chart, needs a Kubernetes provider)."""

    azure: NotRequired[KedaAzureArgs]
    """AKS: the add-on's operator identity."""
    gcp: NotRequired[KedaGcpArgs]
    """GKE: the chart's operator account."""
    chart_version: NotRequired[str]
    """KEDA chart version on GKE."""
    labels: NotRequired[Labels]
    """Kubernetes labels of the namespace and release (GKE)."""
    tags: NotRequired[Tags]
    """Tags of the Azure identity."""


GCP_DEFAULTS = declare(KedaGcpArgs, account_id="keda-operator")
"""Defaults of the optional args of ``KedaGcpArgs``."""
DEFAULTS = declare(KedaArgs, chart_version=KEDA_VERSION)
"""Defaults of the optional args of ``KedaArgs`` (the pinned chart)."""


def _validate(args: KedaArgs) -> None:
    if ("azure" in args) == ("gcp" in args):
        raise InvalidArgumentError(COMPONENT, "azure", "give exactly one of azure (AKS add-on) or gcp (Helm chart)")
    kubernetes_labels(COMPONENT, args.get("labels"))
    azure_tags(COMPONENT, args.get("tags"))


class Keda(pulumi.ComponentResource):
    """AKS: ``<name>-identity``, ``<name>-federation``, ``<name>-prometheus-reader``. GKE: ``<name>-sa`` with its
    grants, ``<name>-namespace``, ``<name>-release``."""

    server_address: pulumi.Output[str]
    """Where KEDA's Prometheus triggers query the cluster's managed Prometheus."""

    def __init__(self, name: str, args: KedaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts))
        _validate(args)
        # Not annotated (no schema outputs): what scaled workloads wait for, the operator's grants or the release.
        self.ready: pulumi.Resource
        if "azure" in args:
            self._scaler = self._azure(name, args["azure"], args)
        else:
            assert "gcp" in args  # _validate: exactly one of azure and gcp
            self._scaler = self._gcp(name, args["gcp"], args)
        self.server_address = pulumi.Output.from_input(self._scaler["server_address"])
        self.register_outputs({"serverAddress": self.server_address})

    def prometheus_scaler(self) -> PrometheusScalerArgs:
        """The trigger settings for workloads on this cluster."""
        return self._scaler

    def _azure(self, name: str, azure: KedaAzureArgs, args: KedaArgs) -> PrometheusScalerArgs:
        # Each cloud's SDK loads only for the cloud a stack builds on.
        from aiscale.components.common.azure_roles import AzureRole, role_assignment  # noqa: PLC0415

        namespace, account = AKS_OPERATOR
        identity, federation = azure_federated_identity(
            name,
            self,
            identity_name=azure["identity_name"],
            resource_group_name=azure["resource_group_name"],
            location=azure["location"],
            oidc_issuer_url=azure["oidc_issuer_url"],
            namespace=namespace,
            service_account=account,
            credential_name="keda-operator",
            tags=args.get("tags"),
        )
        reader = role_assignment(
            f"{name}-prometheus-reader",
            subscription_id=azure["subscription_id"],
            role=AzureRole.monitoring_data_reader,
            principal_id=identity.principal_id,
            scope=azure["monitor_workspace_id"],
            description="KEDA reads the cluster's Prometheus metrics to scale workloads",
            parent=self,
        )
        self.ready = reader
        # The trigger authentication names the identity only once it can federate and read.
        return {
            "server_address": pulumi.Output.all(federation.urn, azure["prometheus_query_endpoint"]).apply(
                lambda parts: str(parts[1])
            ),
            "pod_identity_provider": "azure-workload",
            "identity_id": pulumi.Output.all(identity.client_id, reader.id).apply(lambda parts: parts[0]),
        }

    def _gcp(self, name: str, gcp: KedaGcpArgs, args: KedaArgs) -> PrometheusScalerArgs:
        import pulumi_kubernetes as kubernetes  # noqa: PLC0415
        from pulumi_gcp import projects, serviceaccount  # noqa: PLC0415

        project = gcp["project"]
        namespace_name, account = GKE_OPERATOR
        google_account = serviceaccount.Account(
            f"{name}-sa",
            account_id=gcp.get("account_id", GCP_DEFAULTS["account_id"]),
            project=project,
            display_name="KEDA operator: reads Managed Service for Prometheus to scale workloads",
            opts=child_options(self),
        )
        viewer = projects.IAMMember(
            f"{name}-monitoring-viewer",
            project=project,
            role="roles/monitoring.viewer",
            member=google_account.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=child_options(self),
        )
        federation = gke_workload_identity_user(
            name,
            self,
            google_account=google_account,
            project=project,
            namespace=namespace_name,
            service_account=account,
        )
        labels = {**dict(args.get("labels", {})), "app.kubernetes.io/managed-by": "aiscale"}
        namespace = kubernetes.core.v1.Namespace(
            f"{name}-namespace",
            # A platform namespace (the tenancy policy skips it); KEDA's pods run under the restricted profile.
            metadata={
                "name": namespace_name,
                "labels": {**labels, "aiscale.io/system": "true", "pod-security.kubernetes.io/enforce": "restricted"},
            },
            opts=child_options(self),
        )
        release = kubernetes.helm.v3.Release(
            f"{name}-release",
            name="keda",
            chart=KEDA_CHART,
            version=args.get("chart_version", DEFAULTS["chart_version"]),
            repository_opts=kubernetes.helm.v3.RepositoryOptsArgs(repo=KEDA_REPOSITORY),
            namespace=after(namespace, namespace_name),
            values={
                "podIdentity": {"gcp": {"enabled": True, "gcpIAMServiceAccount": google_account.email}},
                "serviceAccount": {"operator": {"name": account}},
                "additionalLabels": labels,
            },
            atomic=True,
            cleanup_on_fail=True,
            timeout=600,
            opts=child_options(self, depends_on=[viewer, federation]),
        )
        self.ready = release
        return {
            "server_address": after(
                release, f"https://monitoring.googleapis.com/v1/projects/{project}/location/global/prometheus"
            ),
            "pod_identity_provider": "gcp",
        }

"""A team's namespace on a shared GPU cluster: isolated, quota-bound, with a cloud identity for its workloads.

- Pod Security Admission ``restricted`` by default; ``baseline`` for GPU images that must run as root or need
  capabilities ``restricted`` forbids (older Triton or CUDA sample images) — ``audit`` and ``warn`` stay at
  ``restricted`` so the team sees what it would take to tighten.
- ``ResourceQuota`` on GPUs (``requests.nvidia.com/gpu``: extended resources are quota'd on requests only),
  CPU and memory (requests and limits), pods, and no LoadBalancer or NodePort services (traffic enters through
  the platform's gateway). A ``LimitRange`` gives containers that declare nothing a request and a limit.
- ``NetworkPolicy``: deny all ingress and egress, then allow DNS, the team's own pods, the gateway namespaces,
  metrics scraping by the cloud's managed Prometheus, HTTPS to public addresses (token exchange with Entra ID /
  Google and model downloads; turn off behind an egress firewall) and explicit private CIDRs.
- A Kubernetes service account bound to a cloud identity through workload identity: on AKS a user-assigned
  identity with a federated credential for ``system:serviceaccount:<namespace>:<account>``; on GKE a Google
  service account granting ``roles/iam.workloadIdentityUser`` to that Kubernetes service account.
- The team's group may deploy in its namespace only (RoleBinding to the ``edit`` ClusterRole); on AKS it also
  gets the Cluster User role so it can fetch Entra ID credentials of the cluster.
"""

import re
from collections.abc import Callable, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_gcp import serviceaccount

from aiscale.components.common.azure_roles import AzureRole, role_assignment
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import TEAM_LABEL, Labels, Tags, azure_tags, kubernetes_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.common.workload_identity import azure_federated_identity, gke_workload_identity_user
from aiscale.core.config.common import TeamConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("TeamNamespace")
PREVIOUS_TYPE = "aiscale:k8s:TeamNamespace"
POD_SECURITY_LEVELS = ("restricted", "baseline")
#: Audience Azure workload identity tokens are exchanged for.
#: Where each cloud's managed Prometheus scrapes from (AKS: ama-metrics in kube-system; GKE: gmp-system).
DEFAULT_METRICS_NAMESPACES = {"azure": ("kube-system",), "gcp": ("gmp-system",)}
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class TeamQuotaArgs(TypedDict):
    gpus: int
    """GPUs the team's pods may request in total (``requests.nvidia.com/gpu``)."""
    cpu: str
    """CPU requests and limits in total, a Kubernetes quantity (``"64"``, ``"500m"``)."""
    memory: str
    """Memory requests and limits in total (``"256Gi"``)."""
    pods: NotRequired[int]
    """Pods at most (default 100)."""


class ContainerDefaultsArgs(TypedDict):
    """LimitRange defaults for containers that set no resources."""

    cpu_request: str
    """CPU request (``250m``)."""
    memory_request: str
    """Memory request (``512Mi``)."""
    cpu_limit: str
    """CPU limit (``1``)."""
    memory_limit: str
    """Memory limit (``2Gi``)."""


class AzureWorkloadIdentityArgs(TypedDict):
    """An AKS cluster's side of workload identity."""

    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    location: pulumi.Input[str]
    """Azure region of the resources (``westeurope``)."""
    oidc_issuer_url: pulumi.Input[str]
    """OIDC issuer of the cluster's service account tokens."""
    identity_name: str
    """Name of the user-assigned identity the team's workloads act as."""


class GcpWorkloadIdentityArgs(TypedDict):
    """A GKE cluster's side of workload identity."""

    project: pulumi.Input[str]
    """Google Cloud project id."""
    account_id: str
    """Id of the Google service account the team's workloads act as (6-30 characters)."""


class AzureGroupAccessArgs(TypedDict):
    """The team's Entra ID group (object id) on an AKS cluster with Azure RBAC."""

    group_object_id: str
    """Object id of the team's Entra ID group."""
    cluster_id: pulumi.Input[str]
    """ARM id of the AKS cluster."""
    subscription_id: pulumi.Input[str]
    """Subscription of the role assignments (built-in role definition ids are per subscription)."""


class GroupAccessArgs(TypedDict):
    """The team's group as Kubernetes knows it: an Entra ID object id or a Google group address."""

    group: str
    """Entra ID object id or Google group address."""


class TeamNamespaceArgs(TypedDict):
    """Arguments of :class:`TeamNamespace`."""

    namespace: str
    """Name of the team's namespace (a DNS label; no system namespace)."""
    quota: TeamQuotaArgs
    """What the team's pods may request in total."""
    pod_security: NotRequired[str]
    """Pod Security level enforced: ``restricted`` or ``baseline``."""
    container_defaults: NotRequired[ContainerDefaultsArgs]
    """Requests and limits of containers that set none (default 250m/512Mi requested, 1/2Gi limit)."""
    gateway_namespaces: NotRequired[Sequence[str]]
    """Namespaces whose pods may reach the team's pods (ingress controllers, gateways)."""
    metrics_namespaces: NotRequired[Sequence[str]]
    """Namespaces allowed to scrape the team's pods (default: the cloud's managed Prometheus)."""
    https_egress: NotRequired[bool]
    """Allow HTTPS to public addresses; turn off behind an egress firewall or proxy."""
    egress_cidrs: NotRequired[Sequence[str]]
    """Private ranges the team may reach (private endpoints of storage, registries, databases)."""
    service_account: NotRequired[str]
    """Name of the workload service account."""
    azure_identity: NotRequired[AzureWorkloadIdentityArgs]
    """On AKS: the user-assigned identity the team's workloads act as (give this or ``gcp_identity``)."""
    gcp_identity: NotRequired[GcpWorkloadIdentityArgs]
    """On GKE: the Google service account the team's workloads act as (give this or ``azure_identity``)."""
    azure_access: NotRequired[AzureGroupAccessArgs]
    """On AKS with Azure RBAC: the team's Entra ID group (give this or ``group_access``)."""
    group_access: NotRequired[GroupAccessArgs]
    """The team's group as Kubernetes knows it (give this or ``azure_access``)."""
    team: NotRequired[str]
    """The team the namespace's cost belongs to: the ``aiscale.io/team`` label of every object (default: the
    namespace name)."""
    labels: NotRequired[Labels]
    """Kubernetes labels on every object (owner, cost-center, environment ...)."""
    tags: NotRequired[Tags]
    """Tags of the Azure identity."""


DEFAULTS = declare(
    TeamNamespaceArgs,
    pod_security=stack_default(TeamConfig, "pod_security"),
    https_egress=stack_default(TeamConfig, "https_egress"),
    service_account="workload",
)
"""Defaults of the optional args of ``TeamNamespaceArgs``."""


def _validate(args: TeamNamespaceArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if not _DNS_LABEL.fullmatch(args["namespace"]):
        fail("namespace", f"{args['namespace']!r} is not a DNS label (lowercase letters, digits, '-', ≤ 63)")
    if args["namespace"] in ("default", "kube-system", "kube-public", "kube-node-lease"):
        fail("namespace", f"{args['namespace']!r} is a system namespace; a team gets its own")
    level = args.get("pod_security", DEFAULTS["pod_security"])
    if level not in POD_SECURITY_LEVELS:
        fail("pod_security", f"{level!r} is not one of {', '.join(POD_SECURITY_LEVELS)} (privileged is not offered)")
    if args["quota"]["gpus"] < 0:
        fail("quota.gpus", "must not be negative")
    clouds = [key for key in ("azure_identity", "gcp_identity") if key in args]
    if len(clouds) != 1:
        fail("azure_identity", "give exactly one of azure_identity (AKS) or gcp_identity (GKE)")
    accesses = [key for key in ("azure_access", "group_access") if key in args]
    if len(accesses) != 1:
        fail("azure_access", "give exactly one of azure_access (AKS with Azure RBAC) or group_access")
    gcp = args.get("gcp_identity")
    if gcp is not None and not re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", gcp["account_id"]):
        fail("gcp_identity.account_id", f"{gcp['account_id']!r} must be 6-30 lowercase letters, digits and '-'")
    account = args.get("service_account", DEFAULTS["service_account"])
    if not _DNS_LABEL.fullmatch(account):
        fail("service_account", f"{account!r} is not a DNS label")
    kubernetes_labels(COMPONENT, {**dict(args.get("labels", {})), TEAM_LABEL: args.get("team", args["namespace"])})
    azure_tags(COMPONENT, args.get("tags"))


#: Metadata of an object in the team's namespace, by object name.
_Metadata = Callable[[str], kubernetes.meta.v1.ObjectMetaArgsDict]


class TeamNamespace(pulumi.ComponentResource):
    """A team's namespace on a shared GPU cluster: isolated, quota-bound, with a cloud identity for its workloads.

    Children: ``<name>-namespace``, ``-quota``, ``-limits``, network policies ``-netpol-*``, the cloud identity,
    ``-service-account`` and the team's access bindings. Needs a Kubernetes provider in ``opts.providers``.
    """

    namespace: kubernetes.core.v1.Namespace
    service_account: kubernetes.core.v1.ServiceAccount
    namespace_name: pulumi.Output[str]
    workload_identity: pulumi.Output[str]
    """Client id (AKS) or e-mail (GKE) of the cloud identity the team's workloads act as."""

    def __init__(self, name: str, args: TeamNamespaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        namespace_name = args["namespace"]
        account = args.get("service_account", DEFAULTS["service_account"])
        cloud = "azure" if "azure_identity" in args else "gcp"
        labels = {
            **dict(args.get("labels", {})),
            "app.kubernetes.io/managed-by": "aiscale",
            "aiscale.io/tenant": namespace_name,
            # AKS cost analysis and GKE cost allocation split the cluster's cost by namespace and label.
            TEAM_LABEL: args.get("team", namespace_name),
        }
        self.namespace = self._namespace(name, args, labels)
        # Objects in the namespace name it through an output of the namespace: they wait for it to exist.
        namespace = after(self.namespace, namespace_name)

        def metadata(object_name: str) -> kubernetes.meta.v1.ObjectMetaArgsDict:
            return {"name": object_name, "namespace": namespace, "labels": labels}

        self._quota_and_limits(name, args, metadata)
        self._network_policies(name, args, cloud, metadata)

        if "azure_identity" in args:
            identity_annotation, self.workload_identity = self._azure_identity(
                name, args, args["azure_identity"], account
            )
        else:
            assert "gcp_identity" in args  # _validate: exactly one of azure_identity and gcp_identity
            identity_annotation, self.workload_identity = self._gcp_identity(name, args, args["gcp_identity"], account)
        self.service_account = kubernetes.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata={**metadata(account), "annotations": identity_annotation},
            # Workload identity needs no Kubernetes API token; pods that do can mount one explicitly.
            automount_service_account_token=False,
            opts=child_options(self),
        )
        self._access(name, args, metadata)

        self.namespace_name = namespace
        self.register_outputs({"namespace": self.namespace_name, "workloadIdentity": self.workload_identity})

    def _namespace(self, name: str, args: TeamNamespaceArgs, labels: dict[str, str]) -> kubernetes.core.v1.Namespace:
        """``<name>-namespace``: Pod Security enforced at ``pod_security``, audited and warned at ``restricted``."""
        return kubernetes.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": args["namespace"],
                "labels": {
                    **labels,
                    "pod-security.kubernetes.io/enforce": args.get("pod_security", DEFAULTS["pod_security"]),
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            },
            opts=child_options(self),
        )

    def _quota_and_limits(self, name: str, args: TeamNamespaceArgs, metadata: _Metadata) -> None:
        """``<name>-quota`` (GPUs, CPU, memory, pods; no load balancers or node ports) and ``<name>-limits``."""
        quota = args["quota"]
        kubernetes.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=metadata("team-quota"),
            spec={
                "hard": {
                    "requests.nvidia.com/gpu": str(quota["gpus"]),
                    "requests.cpu": quota["cpu"],
                    "limits.cpu": quota["cpu"],
                    "requests.memory": quota["memory"],
                    "limits.memory": quota["memory"],
                    "pods": str(quota.get("pods", 100)),
                    "services.loadbalancers": "0",
                    "services.nodeports": "0",
                }
            },
            opts=child_options(self),
        )
        defaults = args.get(
            "container_defaults",
            {"cpu_request": "250m", "memory_request": "512Mi", "cpu_limit": "1", "memory_limit": "2Gi"},
        )
        kubernetes.core.v1.LimitRange(
            f"{name}-limits",
            metadata=metadata("container-defaults"),
            spec={
                "limits": [
                    {
                        "type": "Container",
                        "default_request": {"cpu": defaults["cpu_request"], "memory": defaults["memory_request"]},
                        "default": {"cpu": defaults["cpu_limit"], "memory": defaults["memory_limit"]},
                    }
                ]
            },
            opts=child_options(self),
        )

    def _network_policies(self, name: str, args: TeamNamespaceArgs, cloud: str, metadata: _Metadata) -> None:
        def policy(suffix: str, spec: kubernetes.networking.v1.NetworkPolicySpecArgsDict) -> None:
            kubernetes.networking.v1.NetworkPolicy(
                f"{name}-netpol-{suffix}", metadata=metadata(suffix), spec=spec, opts=child_options(self)
            )

        def namespaces(names: Sequence[str]) -> kubernetes.networking.v1.NetworkPolicyPeerArgsDict:
            return {
                "namespace_selector": {
                    "match_expressions": [
                        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(names)}
                    ]
                }
            }

        policy("default-deny", {"pod_selector": {}, "policy_types": ["Ingress", "Egress"]})
        policy(
            "allow-dns",
            {
                "pod_selector": {},
                "policy_types": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {**namespaces(["kube-system"]), "pod_selector": {"match_labels": {"k8s-app": "kube-dns"}}}
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    }
                ],
            },
        )
        policy(
            "allow-same-namespace",
            {
                "pod_selector": {},
                "policy_types": ["Ingress", "Egress"],
                "ingress": [{"from_": [{"pod_selector": {}}]}],
                "egress": [{"to": [{"pod_selector": {}}]}],
            },
        )
        gateways = list(args.get("gateway_namespaces", []))
        if gateways:
            policy(
                "allow-gateway",
                {"pod_selector": {}, "policy_types": ["Ingress"], "ingress": [{"from_": [namespaces(gateways)]}]},
            )
        scrapers = list(args.get("metrics_namespaces", DEFAULT_METRICS_NAMESPACES[cloud]))
        if scrapers:
            policy(
                "allow-metrics",
                {"pod_selector": {}, "policy_types": ["Ingress"], "ingress": [{"from_": [namespaces(scrapers)]}]},
            )
        egress: list[kubernetes.networking.v1.NetworkPolicyEgressRuleArgsDict] = []
        if args.get("https_egress", DEFAULTS["https_egress"]):
            egress.append(
                {
                    "to": [{"ip_block": {"cidr": "0.0.0.0/0", "except_": list(PRIVATE_RANGES)}}],
                    "ports": [{"protocol": "TCP", "port": 443}],
                }
            )
        if cloud == "gcp":
            # GKE's metadata server serves workload identity tokens on the node's link-local address.
            egress.append(
                {
                    "to": [{"ip_block": {"cidr": "169.254.169.254/32"}}],
                    "ports": [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 988}],
                }
            )
        for cidr in args.get("egress_cidrs", []):
            egress.append({"to": [{"ip_block": {"cidr": cidr}}]})
        if egress:
            policy("allow-egress", {"pod_selector": {}, "policy_types": ["Egress"], "egress": egress})

    def _azure_identity(
        self, name: str, args: TeamNamespaceArgs, azure: AzureWorkloadIdentityArgs, account: str
    ) -> tuple[dict[str, pulumi.Output[str]], pulumi.Output[str]]:
        identity, _ = azure_federated_identity(
            name,
            self,
            identity_name=azure["identity_name"],
            resource_group_name=azure["resource_group_name"],
            location=azure["location"],
            oidc_issuer_url=azure["oidc_issuer_url"],
            namespace=args["namespace"],
            service_account=account,
            credential_name=f"{args['namespace']}-{account}",
            tags=args.get("tags"),
        )
        return {"azure.workload.identity/client-id": identity.client_id}, identity.client_id

    def _gcp_identity(
        self, name: str, args: TeamNamespaceArgs, gcp: GcpWorkloadIdentityArgs, account: str
    ) -> tuple[dict[str, pulumi.Output[str]], pulumi.Output[str]]:
        google_account = serviceaccount.Account(
            f"{name}-identity",
            account_id=gcp["account_id"],
            project=gcp["project"],
            display_name=f"Workloads of team namespace {args['namespace']}",
            opts=child_options(self),
        )
        gke_workload_identity_user(
            name,
            self,
            google_account=google_account,
            project=gcp["project"],
            namespace=args["namespace"],
            service_account=account,
        )
        return {"iam.gke.io/gcp-service-account": google_account.email}, google_account.email

    def _access(self, name: str, args: TeamNamespaceArgs, metadata: _Metadata) -> None:
        azure = args.get("azure_access")
        if azure is not None:
            group = azure["group_object_id"]
        else:
            assert "group_access" in args  # _validate: exactly one of azure_access and group_access
            group = args["group_access"]["group"]
        kubernetes.rbac.v1.RoleBinding(
            f"{name}-deployers",
            metadata=metadata("team-deployers"),
            role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            subjects=[{"api_group": "rbac.authorization.k8s.io", "kind": "Group", "name": group}],
            opts=child_options(self),
        )
        if azure:
            role_assignment(
                f"{name}-cluster-user",
                subscription_id=azure["subscription_id"],
                role=AzureRole.aks_cluster_user,
                principal_id=azure["group_object_id"],
                principal_type="Group",
                scope=azure["cluster_id"],
                description=f"team {args['namespace']} fetches Entra ID credentials of the cluster",
                parent=self,
            )

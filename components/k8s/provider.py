"""An explicit Kubernetes provider for a cluster aiscale built, from the cluster's credentials — never the ambient
kubeconfig, so a program deploys into exactly the cluster it created, on any machine, and plans offline.

AKS clusters have local accounts disabled: their kubeconfig authenticates through ``kubelogin`` with Entra ID.
:func:`aks_kubeconfig` reads the user credentials of the cluster and sets the kubelogin login mode for where
Pulumi runs (``azurecli`` on a laptop, ``workloadidentity`` in CI with OIDC federation). GKE clusters use the
``gke-gcloud-auth-plugin``; :func:`gke_kubeconfig` builds the kubeconfig from the cluster's endpoint and CA.
Both need the plugin on the machine that runs ``pulumi up``. Kubeconfigs are Pulumi secrets.
"""

import base64
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as kubernetes
import yaml
from pulumi_azure_native import containerservice

from aiscale.components.common.options import child_options

#: kubelogin login modes aiscale supports (``kubelogin convert-kubeconfig --login``).
KubeloginMode = Literal["azurecli", "workloadidentity", "devicecode", "msi", "spn"]
KUBELOGIN_MODES: tuple[str, ...] = ("azurecli", "workloadidentity", "devicecode", "msi", "spn")
# Options kubelogin takes from the environment in these modes; they must not be pinned in the kubeconfig.
_ENVIRONMENT_SUPPLIED = {
    "azurecli": ("--client-id", "--tenant-id", "--environment"),
    "workloadidentity": ("--client-id", "--tenant-id", "--environment"),
    "msi": ("--tenant-id", "--environment"),
    "spn": ("--environment",),
    "devicecode": (),
}


def convert_kubeconfig(text: str, login: str) -> str:
    """The kubeconfig with every kubelogin user switched to ``login`` (as ``kubelogin convert-kubeconfig`` does)."""
    if login not in KUBELOGIN_MODES:
        raise ValueError(f"login {login!r} is not one of {', '.join(KUBELOGIN_MODES)}")
    config: dict[str, Any] = yaml.safe_load(text)
    for user in config.get("users") or []:
        exec_ = (user.get("user") or {}).get("exec")
        if not exec_ or exec_.get("command") != "kubelogin":
            continue
        exec_["args"] = _kubelogin_args(exec_.get("args") or [], login)
    return yaml.safe_dump(config, sort_keys=False)


def _kubelogin_args(args: list[str], login: str) -> list[str]:
    dropped = {"--login", "-l", *_ENVIRONMENT_SUPPLIED[login]}
    kept: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        takes_value = arg.startswith("-") and index + 1 < len(args) and not args[index + 1].startswith("-")
        if arg in dropped:
            index += 2 if takes_value else 1
            continue
        kept.append(arg)
        index += 1
    return [*kept, "--login", login]


def aks_kubeconfig(
    resource_group_name: pulumi.Input[str], cluster_name: pulumi.Input[str], login: str = "azurecli"
) -> pulumi.Output[str]:
    """The Entra ID kubeconfig of an AKS cluster for kubelogin mode ``login`` (a secret)."""
    credentials = containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=resource_group_name, resource_name=cluster_name, format="exec"
    )
    # Through cluster_name (an output of the cluster), the provider depends on the cluster it deploys into.
    encoded = credentials.kubeconfigs.apply(lambda configs: configs[0].value)
    return pulumi.Output.secret(
        pulumi.Output.all(encoded, cluster_name).apply(
            lambda values: convert_kubeconfig(base64.b64decode(values[0]).decode(), login)
        )
    )


def gke_kubeconfig(
    cluster_name: pulumi.Input[str], server: pulumi.Input[str], ca_certificate: pulumi.Input[str] | None
) -> pulumi.Output[str]:
    """A kubeconfig for a GKE cluster using ``gke-gcloud-auth-plugin`` (a secret).

    ``server`` is the DNS endpoint (served with a publicly trusted certificate: no CA) or the IP endpoint with the
    cluster's base64 PEM ``ca_certificate``.
    """

    def render(values: list[str | None]) -> str:
        name, host, ca = values
        cluster: dict[str, str] = {"server": f"https://{host}"}
        if ca:
            cluster["certificate-authority-data"] = ca
        return yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": name, "cluster": cluster}],
                "users": [
                    {
                        "name": name,
                        "user": {
                            "exec": {
                                "apiVersion": "client.authentication.k8s.io/v1beta1",
                                "command": "gke-gcloud-auth-plugin",
                                "installHint": "Install gke-gcloud-auth-plugin (gcloud components install "
                                "gke-gcloud-auth-plugin) to deploy into this cluster.",
                                "provideClusterInfo": True,
                            }
                        },
                    }
                ],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
            },
            sort_keys=False,
        )

    return pulumi.Output.secret(pulumi.Output.all(cluster_name, server, ca_certificate).apply(render))


def cluster_provider(name: str, kubeconfig: pulumi.Input[str], parent: pulumi.Resource) -> kubernetes.Provider:
    """``<name>``: the Kubernetes provider of one cluster, with server-side apply and no ambient config."""
    return kubernetes.Provider(
        name,
        kubeconfig=kubeconfig,
        enable_server_side_apply=True,
        # A cluster that is gone (deleted with its stack) must not block the deletion of its objects.
        delete_unreachable=True,
        opts=child_options(parent),
    )

"""Workload identity: a Kubernetes service account that acts as a cloud identity, the same way for every component.

- **AKS**: a user-assigned identity with a federated credential trusting the cluster's OIDC issuer for
  ``system:serviceaccount:<namespace>:<account>`` (:func:`azure_federated_identity`).
- **GKE**: a Google service account the Kubernetes service account may impersonate through the cluster's workload
  pool, ``roles/iam.workloadIdentityUser`` for ``<project>.svc.id.goog[<namespace>/<account>]``
  (:func:`gke_workload_identity_user`).

Children are named from the caller's name (``<name>-identity``, ``<name>-federation``,
``<name>-workload-identity-user``) and parented to it. Each cloud's SDK loads only when its function is called.
"""

from typing import TYPE_CHECKING

import pulumi

from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import Tags

if TYPE_CHECKING:
    from pulumi_azure_native import managedidentity
    from pulumi_gcp import serviceaccount

AZURE_TOKEN_AUDIENCE = "api://AzureADTokenExchange"


def azure_federated_identity(
    name: str,
    parent: pulumi.Resource,
    *,
    identity_name: str,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    oidc_issuer_url: pulumi.Input[str],
    namespace: str,
    service_account: str,
    credential_name: str,
    tags: Tags | None = None,
) -> tuple["managedidentity.UserAssignedIdentity", "managedidentity.FederatedIdentityCredential"]:
    """``<name>-identity`` and ``<name>-federation``: the identity the service account's pods get tokens for."""
    from pulumi_azure_native import managedidentity  # noqa: PLC0415

    identity = managedidentity.UserAssignedIdentity(
        f"{name}-identity",
        resource_name_=identity_name,
        resource_group_name=resource_group_name,
        location=location,
        tags=tags,
        opts=child_options(parent),
    )
    federation = managedidentity.FederatedIdentityCredential(
        f"{name}-federation",
        federated_identity_credential_resource_name=credential_name,
        resource_name_=after(identity, identity_name),
        resource_group_name=resource_group_name,
        issuer=oidc_issuer_url,
        subject=f"system:serviceaccount:{namespace}:{service_account}",
        audiences=[AZURE_TOKEN_AUDIENCE],
        opts=child_options(parent),
    )
    return identity, federation


def gke_workload_identity_user(
    name: str,
    parent: pulumi.Resource,
    *,
    google_account: "serviceaccount.Account",
    project: pulumi.Input[str],
    namespace: str,
    service_account: str,
) -> "serviceaccount.IAMMember":
    """``<name>-workload-identity-user``: the Kubernetes service account may act as ``google_account``."""
    from pulumi_gcp import serviceaccount  # noqa: PLC0415

    return serviceaccount.IAMMember(
        f"{name}-workload-identity-user",
        service_account_id=google_account.name,
        role="roles/iam.workloadIdentityUser",
        member=pulumi.Output.from_input(project).apply(
            lambda project_id: f"serviceAccount:{project_id}.svc.id.goog[{namespace}/{service_account}]"
        ),
        opts=child_options(parent),
    )

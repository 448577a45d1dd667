"""Azure ML workspace with its storage account, container registry, Key Vault and Application Insights.

Private by default: public network access disabled on the workspace and every dependency, private endpoints for
each, managed network isolation (``AllowOnlyApprovedOutbound`` unless told otherwise). A user-assigned identity,
created first, holds exactly the roles the workspace needs, so customer-managed key encryption (workspace,
storage, registry) works on first deployment. Storage is reached with identities, never shared keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import (
    applicationinsights,
    containerregistry,
    machinelearningservices,
    managedidentity,
    storage,
)

from aiscale.components.azure.key_vault import KeyVault
from aiscale.components.azure.private_endpoint import PrivateEndpointArgs, private_endpoint
from aiscale.components.common.azure_diagnostics import DiagnosticsArgs, diagnostic_setting
from aiscale.components.common.azure_roles import AzureRole, role_assignment
from aiscale.components.common.options import after, child_options
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:azure:MlWorkspace"
ISOLATION_MODES = ("AllowInternetOutbound", "AllowOnlyApprovedOutbound")


class WorkspaceKeyArgs(TypedDict):
    """The customer-managed key of the workspace and its data stores."""

    key_vault_id: pulumi.Input[str]
    key_vault_uri: pulumi.Input[str]
    key_name: str
    key_id: pulumi.Input[str]
    """ARM resource id of the key (role assignment scope)."""
    key_url: pulumi.Input[str]
    """Versionless key URL, so rotation is picked up automatically."""


class MlWorkspaceArgs(TypedDict):
    """Arguments of :class:`MlWorkspace`."""

    workspace_name: str
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    tenant_id: pulumi.Input[str]
    storage_account_name: str
    container_registry_name: str
    key_vault_name: str
    log_analytics_workspace_id: pulumi.Input[str]
    """Application Insights of the workspace stores its data here."""
    isolation_mode: NotRequired[str]
    """``AllowOnlyApprovedOutbound`` (default) or ``AllowInternetOutbound``."""
    high_business_impact: NotRequired[bool]
    storage_sku: NotRequired[str]
    """``Standard_ZRS`` (default) or another redundancy."""
    customer_managed_key: NotRequired[WorkspaceKeyArgs]
    private_endpoint: NotRequired[PrivateEndpointArgs]
    diagnostics: NotRequired[DiagnosticsArgs]
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    protect: NotRequired[bool]


def _validate(args: MlWorkspaceArgs) -> None:
    mode = args.get("isolation_mode", "AllowOnlyApprovedOutbound")
    if mode not in ISOLATION_MODES:
        raise InvalidArgumentError(COMPONENT, "isolation_mode", f"{mode!r} is not one of {', '.join(ISOLATION_MODES)}")


class MlWorkspace(pulumi.ComponentResource):
    """``<name>-identity``, ``<name>-vault`` (KeyVault), ``<name>-storage``, ``<name>-registry``, ``<name>-insights``,
    role assignments, ``<name>-workspace`` and private endpoints."""

    identity: managedidentity.UserAssignedIdentity
    workspace: machinelearningservices.Workspace
    storage_account: storage.StorageAccount
    registry: containerregistry.Registry
    insights: applicationinsights.Component
    vault: KeyVault
    workspace_id: pulumi.Output[str]
    workspace_name: pulumi.Output[str]
    registry_id: pulumi.Output[str]

    def __init__(self, name: str, args: MlWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        group, location, tags = args["resource_group_name"], args["location"], args.get("tags")
        subscription, protect = args["subscription_id"], args.get("protect", False)
        cmk = args.get("customer_managed_key")
        endpoint = args.get("private_endpoint")

        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"{args['workspace_name']}-identity",
            resource_group_name=group,
            location=location,
            tags=tags,
            opts=child_options(self),
        )
        principal = self.identity.principal_id

        self.vault = KeyVault(
            f"{name}-vault",
            {
                "vault_name": args["key_vault_name"],
                "resource_group_name": group,
                "location": location,
                "tenant_id": args["tenant_id"],
                "subscription_id": subscription,
                "tags": tags or {},
                "protect": protect,
                **({"private_endpoint": endpoint} if endpoint else {}),
                **({"diagnostics": args["diagnostics"]} if "diagnostics" in args else {}),
            },
            opts=child_options(self),
        )

        self.storage_account = storage.StorageAccount(
            f"{name}-storage",
            account_name=args["storage_account_name"],
            resource_group_name=group,
            location=location,
            kind="StorageV2",
            sku=storage.SkuArgs(name=args.get("storage_sku", "Standard_ZRS")),
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            public_network_access="Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
            identity=storage.IdentityArgs(type="UserAssigned", user_assigned_identities=[self.identity.id]),
            encryption=storage.EncryptionArgs(
                key_source="Microsoft.Keyvault",
                require_infrastructure_encryption=True,
                key_vault_properties=storage.KeyVaultPropertiesArgs(
                    key_name=cmk["key_name"], key_vault_uri=cmk["key_vault_uri"]
                ),
                encryption_identity=storage.EncryptionIdentityArgs(encryption_user_assigned_identity=self.identity.id),
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                ),
            )
            if cmk
            else storage.EncryptionArgs(
                key_source="Microsoft.Storage",
                require_infrastructure_encryption=True,
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                ),
            ),
            tags=tags,
            opts=child_options(self, protect=protect),
        )

        self.registry = containerregistry.Registry(
            f"{name}-registry",
            registry_name=args["container_registry_name"],
            resource_group_name=group,
            location=location,
            sku=containerregistry.SkuArgs(name="Premium"),  # private endpoints and CMK need Premium
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access="Disabled",
            network_rule_bypass_options="AzureServices",
            identity=containerregistry.IdentityPropertiesArgs(
                type="UserAssigned",
                # The registry API keys user-assigned identities by resource id.
                user_assigned_identities=self.identity.id.apply(
                    lambda identity_id: {identity_id: containerregistry.UserIdentityPropertiesArgs()}
                ),
            ),
            encryption=containerregistry.EncryptionPropertyArgs(
                status="enabled",
                key_vault_properties=containerregistry.KeyVaultPropertiesArgs(
                    key_identifier=cmk["key_url"], identity=self.identity.client_id
                ),
            )
            if cmk
            else None,
            tags=tags,
            opts=child_options(self, protect=protect),
        )

        self.insights = applicationinsights.Component(
            f"{name}-insights",
            resource_name_=f"{args['workspace_name']}-insights",
            resource_group_name=group,
            location=location,
            kind="web",
            application_type="web",
            workspace_resource_id=args["log_analytics_workspace_id"],
            ingestion_mode="LogAnalytics",
            tags=tags,
            opts=child_options(self),
        )

        grants = [
            (
                "storage-contributor",
                AzureRole.contributor,
                self.storage_account.id,
                "the workspace manages its storage",
            ),
            (
                "storage-blob",
                AzureRole.storage_blob_data_contributor,
                self.storage_account.id,
                "datastores by identity",
            ),
            (
                "storage-file",
                AzureRole.storage_file_data_privileged_contributor,
                self.storage_account.id,
                "file shares by identity",
            ),
            ("registry-contributor", AzureRole.contributor, self.registry.id, "the workspace builds images"),
            (
                "insights-contributor",
                AzureRole.contributor,
                self.insights.id,
                "the workspace writes telemetry settings",
            ),
            (
                "vault-administrator",
                AzureRole.key_vault_administrator,
                self.vault.vault_id,
                "the workspace stores its secrets",
            ),
        ]
        if cmk:
            grants.append(
                (
                    "cmk-key-user",
                    AzureRole.key_vault_crypto_service_encryption_user,
                    cmk["key_id"],
                    "encryption with the customer key",
                )
            )
        assignments = [
            role_assignment(
                f"{name}-{suffix}",
                subscription_id=subscription,
                role=role,
                principal_id=principal,
                scope=scope,
                description=description,
                parent=self,
            )
            for suffix, role, scope, description in grants
        ]

        self.workspace = machinelearningservices.Workspace(
            f"{name}-workspace",
            workspace_name=args["workspace_name"],
            resource_group_name=group,
            location=location,
            kind="Default",
            sku=machinelearningservices.SkuArgs(name="Basic", tier="Basic"),
            identity=machinelearningservices.ManagedServiceIdentityArgs(
                type="UserAssigned", user_assigned_identities=[self.identity.id]
            ),
            primary_user_assigned_identity=self.identity.id,
            storage_account=self.storage_account.id,
            container_registry=self.registry.id,
            key_vault=self.vault.vault_id,
            application_insights=self.insights.id,
            public_network_access="Disabled",
            allow_public_access_when_behind_vnet=False,
            hbi_workspace=args.get("high_business_impact", False),
            system_datastores_auth_mode="identity",
            v1_legacy_mode=False,
            managed_network=machinelearningservices.ManagedNetworkSettingsArgs(
                isolation_mode=args.get("isolation_mode", "AllowOnlyApprovedOutbound")
            ),
            encryption=machinelearningservices.EncryptionPropertyArgs(
                status="Enabled",
                key_vault_properties=machinelearningservices.KeyVaultPropertiesArgs(
                    key_identifier=cmk["key_url"], key_vault_arm_id=cmk["key_vault_id"]
                ),
                identity=machinelearningservices.IdentityForCmkArgs(user_assigned_identity=self.identity.id),
            )
            if cmk
            else None,
            tags=tags,
            opts=child_options(self, protect=protect, depends_on=assignments),
        )

        if endpoint:
            for target, group_id in (
                (self.storage_account.id, "blob"),
                (self.storage_account.id, "file"),
                (self.registry.id, "registry"),
                (self.workspace.id, "amlworkspace"),
            ):
                private_endpoint(
                    name,
                    component=COMPONENT,
                    target_id=target,
                    group_id=group_id,
                    args=endpoint,
                    resource_group_name=group,
                    location=location,
                    tags=tags,
                    parent=self,
                )
        if "diagnostics" in args:
            diagnostic_setting(name, self.workspace.id, args["diagnostics"], self)

        self.workspace_id = self.workspace.id
        self.workspace_name = after(self.workspace, args["workspace_name"])
        self.registry_id = self.registry.id
        self.register_outputs(
            {"workspaceId": self.workspace_id, "workspaceName": self.workspace_name, "registryId": self.registry_id}
        )

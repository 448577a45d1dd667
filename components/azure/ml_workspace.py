"""Azure ML workspace with its storage account, container registry, Key Vault and Application Insights.

Private by default: public network access disabled on the workspace and every dependency, private endpoints for
each, managed network isolation (``AllowOnlyApprovedOutbound`` unless told otherwise). A user-assigned identity,
created first, holds exactly the roles the workspace needs, so customer-managed key encryption (workspace,
storage, registry) works on first deployment. Storage is reached with identities, never shared keys. The
workspace, its storage and its registry are the stateful resources ``protect`` and ``lock`` apply to (the vault
is a ``KeyVault`` with the same protection).

With ``model_monitoring``, a second user-assigned identity is attached to the workspace for its monitoring and
scheduled jobs (serverless Spark runs as an identity of the workspace): *AzureML Data Scientist* on the workspace,
*Storage Blob Data Contributor* on its storage. The workspace's Event Grid system topic publishes its events (the
Azure Monitor path of model monitoring alerts, ``AzureModelMonitor``).
"""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import (
    applicationinsights,
    containerregistry,
    eventgrid,
    machinelearningservices,
    managedidentity,
    storage,
)

from aiscale.components.azure.key_vault import KeyVault, KeyVaultArgs
from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs, check_diagnostics, diagnostic_setting
from aiscale.components.common.azure_roles import AzureRole, role_assignment
from aiscale.components.common.customer_managed_key import (
    AzureCustomerManagedKeyArgs,
    key_role_assignment,
    storage_encryption,
)
from aiscale.components.common.defaults import declare
from aiscale.components.common.options import after, child_options
from aiscale.components.common.private_endpoint import PrivateEndpointArgs, private_endpoint
from aiscale.components.common.protection import ResourceLockArgs, check_lock, resource_lock
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("MlWorkspace")
PREVIOUS_TYPE = "aiscale:azure:MlWorkspace"
ISOLATION_MODES = ("AllowInternetOutbound", "AllowOnlyApprovedOutbound")


class MlWorkspaceArgs(TypedDict):
    """Arguments of :class:`MlWorkspace`."""

    workspace_name: str
    """Name of the Azure ML workspace."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    location: pulumi.Input[str]
    """Azure region of the resources (``westeurope``)."""
    subscription_id: pulumi.Input[str]
    """Subscription of the role assignments (built-in role definition ids are per subscription)."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant."""
    storage_account_name: str
    """Globally unique storage account name (3-24 lowercase letters and digits)."""
    container_registry_name: str
    """Globally unique container registry name (5-50 letters and digits)."""
    key_vault_name: str
    """The workspace's own vault for secrets (not the platform's key vault)."""
    log_analytics_workspace_id: pulumi.Input[str]
    """Application Insights of the workspace stores its data here."""
    isolation_mode: NotRequired[str]
    """``AllowOnlyApprovedOutbound`` or ``AllowInternetOutbound``."""
    high_business_impact: NotRequired[bool]
    """HBI workspace: less diagnostic data collected by Microsoft, encrypted local scratch (default False)."""
    storage_sku: NotRequired[str]
    """``Standard_ZRS`` or another redundancy."""
    customer_managed_key: NotRequired[AzureCustomerManagedKeyArgs]
    """Encrypt the workspace, its storage and its registry with this key (versionless: rotation follows)."""
    private_endpoint: NotRequired[PrivateEndpointArgs]
    """Reach the workspace, its storage (blob, file), registry and vault through private endpoints."""
    diagnostics: NotRequired[AzureDiagnosticsArgs]
    """Send the logs of the workspace, its storage, registry and vault to Log Analytics."""
    tags: NotRequired[Tags]
    """Azure tags of every child."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the workspace, its storage, registry and vault."""
    lock: NotRequired[ResourceLockArgs]
    """An Azure management lock on the workspace, its storage, registry and vault."""
    model_monitoring: NotRequired[bool]
    """An identity for monitoring and scheduled jobs, and the workspace's Event Grid system topic."""


DEFAULTS = declare(
    MlWorkspaceArgs,
    isolation_mode="AllowOnlyApprovedOutbound",
    storage_sku="Standard_ZRS",
    # The blueprint turns it on for workspaces whose endpoints are monitored.
    model_monitoring=False,
)
"""Defaults of the optional args of ``MlWorkspaceArgs``."""


def _validate(args: MlWorkspaceArgs) -> None:
    mode = args.get("isolation_mode", DEFAULTS["isolation_mode"])
    if mode not in ISOLATION_MODES:
        raise InvalidArgumentError(COMPONENT, "isolation_mode", f"{mode!r} is not one of {', '.join(ISOLATION_MODES)}")
    check_diagnostics(COMPONENT, args.get("diagnostics"))
    check_lock(COMPONENT, args.get("lock"))
    azure_tags(COMPONENT, args.get("tags"))


class MlWorkspace(pulumi.ComponentResource):
    """An Azure ML workspace with its storage, registry, Key Vault and Application Insights, private and CMK-ready.

    Children: ``<name>-identity``, ``<name>-vault`` (KeyVault), ``<name>-storage``, ``<name>-registry``,
    ``<name>-insights``, role assignments, ``<name>-workspace``, private endpoints.
    """

    identity: managedidentity.UserAssignedIdentity
    workspace: machinelearningservices.Workspace
    storage_account: storage.StorageAccount
    registry: containerregistry.Registry
    insights: applicationinsights.Component
    workspace_id: pulumi.Output[str]
    workspace_name: pulumi.Output[str]
    registry_id: pulumi.Output[str]
    identity_principal_id: pulumi.Output[str]
    """Principal id of the workspace's identity (grant it access to data the workspace reads)."""
    jobs_identity: managedidentity.UserAssignedIdentity | None
    jobs_identity_id: pulumi.Output[str] | None
    """The identity monitoring and scheduled jobs run as (with ``model_monitoring``)."""
    events_topic_name: pulumi.Output[str] | None
    """The workspace's Event Grid system topic (with ``model_monitoring``)."""

    def __init__(self, name: str, args: MlWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        self.identity = self._user_identity(f"{name}-identity", f"{args['workspace_name']}-identity", args)
        monitored = args.get("model_monitoring", DEFAULTS["model_monitoring"])
        self.jobs_identity = (
            self._user_identity(f"{name}-jobs-identity", f"{args['workspace_name']}-jobs", args) if monitored else None
        )
        # The workspace's own vault: a KeyVault component (not annotated: a component is no schema output).
        self.vault = KeyVault(f"{name}-vault", self._vault_args(args), opts=child_options(self))
        self.storage_account = self._storage(name, args)
        self.registry = self._registry(name, args)
        self.insights = applicationinsights.Component(
            f"{name}-insights",
            resource_name_=f"{args['workspace_name']}-insights",
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            kind="web",
            application_type="web",
            workspace_resource_id=args["log_analytics_workspace_id"],
            ingestion_mode="LogAnalytics",
            tags=args.get("tags"),
            opts=child_options(self),
        )
        self.workspace = self._workspace(name, args, self._identity_roles(name, args))
        self.events_topic_name = None
        if self.jobs_identity is not None:
            self._jobs_roles(name, args, self.jobs_identity)
            self.events_topic_name = self._events(name, args)
        if "private_endpoint" in args:
            self._private_endpoints(name, args, args["private_endpoint"])
        if "diagnostics" in args:
            diagnostic_setting(name, self.workspace.id, args["diagnostics"], self)
            diagnostic_setting(f"{name}-registry", self.registry.id, args["diagnostics"], self)
            # Blob logs are on the blob service; its metrics come in categories (Transaction, Capacity), not AllMetrics.
            blob_service = self.storage_account.id.apply(lambda account: f"{account}/blobServices/default")
            diagnostic_setting(f"{name}-storage", blob_service, {**args["diagnostics"], "metrics": False}, self)
        if "lock" in args:
            for role, resource in (
                ("workspace", self.workspace),
                ("storage", self.storage_account),
                ("registry", self.registry),
            ):
                resource_lock(f"{name}-{role}", scope=resource.id, args=args["lock"], parent=self)

        self.workspace_id = self.workspace.id
        self.workspace_name = after(self.workspace, args["workspace_name"])
        self.registry_id = self.registry.id
        self.identity_principal_id = self.identity.principal_id
        self.jobs_identity_id = self.jobs_identity.id if self.jobs_identity is not None else None
        self.register_outputs(
            {"workspaceId": self.workspace_id, "workspaceName": self.workspace_name, "registryId": self.registry_id}
        )

    def _user_identity(
        self, logical_name: str, identity_name: str, args: MlWorkspaceArgs
    ) -> managedidentity.UserAssignedIdentity:
        return managedidentity.UserAssignedIdentity(
            logical_name,
            resource_name_=identity_name,
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            tags=args.get("tags"),
            opts=child_options(self),
        )

    def _jobs_roles(self, name: str, args: MlWorkspaceArgs, identity: managedidentity.UserAssignedIdentity) -> None:
        """``<name>-jobs-data-scientist`` on the workspace, ``<name>-jobs-storage-blob`` on its storage."""
        for suffix, role, scope, description in (
            (
                "data-scientist",
                AzureRole.azureml_data_scientist,
                self.workspace.id,
                "monitoring and scheduled jobs read data assets and write their results",
            ),
            (
                "storage-blob",
                AzureRole.storage_blob_data_contributor,
                self.storage_account.id,
                "monitoring jobs read collected data and write signal outputs",
            ),
        ):
            role_assignment(
                f"{name}-jobs-{suffix}",
                subscription_id=args["subscription_id"],
                role=role,
                principal_id=identity.principal_id,
                scope=scope,
                description=description,
                parent=self,
            )

    def _events(self, name: str, args: MlWorkspaceArgs) -> pulumi.Output[str]:
        """``<name>-events``: the workspace's Event Grid system topic (one per workspace)."""
        topic_name = f"{args['workspace_name']}-events"
        topic = eventgrid.SystemTopic(
            f"{name}-events",
            system_topic_name=topic_name,
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            source=self.workspace.id,
            topic_type="Microsoft.MachineLearningServices.Workspaces",
            tags=args.get("tags"),
            opts=child_options(self),
        )
        return after(topic, topic_name)

    def _vault_args(self, args: MlWorkspaceArgs) -> KeyVaultArgs:
        vault: KeyVaultArgs = {
            "vault_name": args["key_vault_name"],
            "resource_group_name": args["resource_group_name"],
            "location": args["location"],
            "tenant_id": args["tenant_id"],
            "subscription_id": args["subscription_id"],
            "tags": args.get("tags") or {},
            "protect": args.get("protect", False),
        }
        if "private_endpoint" in args:
            vault["private_endpoint"] = args["private_endpoint"]
        if "diagnostics" in args:
            vault["diagnostics"] = args["diagnostics"]
        if "lock" in args:
            vault["lock"] = args["lock"]
        return vault

    def _storage(self, name: str, args: MlWorkspaceArgs) -> storage.StorageAccount:
        """``<name>-storage``: identity-only access, no public network, infrastructure encryption, CMK if given."""
        return storage.StorageAccount(
            f"{name}-storage",
            account_name=args["storage_account_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            kind="StorageV2",
            sku=storage.SkuArgs(name=args.get("storage_sku", DEFAULTS["storage_sku"])),
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            public_network_access="Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY, bypass="AzureServices"
            ),
            identity=storage.IdentityArgs(type="UserAssigned", user_assigned_identities=[self.identity.id]),
            encryption=storage_encryption(args.get("customer_managed_key"), self.identity.id),
            tags=args.get("tags"),
            opts=child_options(self, protect=args.get("protect", False)),
        )

    def _registry(self, name: str, args: MlWorkspaceArgs) -> containerregistry.Registry:
        """``<name>-registry``: Premium (private endpoints and CMK need it), no admin user, no anonymous pull."""
        key = args.get("customer_managed_key")
        return containerregistry.Registry(
            f"{name}-registry",
            registry_name=args["container_registry_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            sku=containerregistry.SkuArgs(name="Premium"),
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            public_network_access="Disabled",
            network_rule_bypass_options="AzureServices",
            identity=containerregistry.IdentityPropertiesArgs(
                type=containerregistry.ResourceIdentityType.USER_ASSIGNED,
                # The registry API keys user-assigned identities by resource id.
                user_assigned_identities=self.identity.id.apply(
                    lambda identity_id: {identity_id: containerregistry.UserIdentityPropertiesArgs()}
                ),
            ),
            encryption=containerregistry.EncryptionPropertyArgs(
                status="enabled",
                key_vault_properties=containerregistry.KeyVaultPropertiesArgs(
                    key_identifier=key["key_uri"], identity=self.identity.client_id
                ),
            )
            if key
            else None,
            tags=args.get("tags"),
            opts=child_options(self, protect=args.get("protect", False)),
        )

    def _identity_roles(self, name: str, args: MlWorkspaceArgs) -> list[pulumi.Resource]:
        """The roles the workspace's identity needs before the workspace exists (``<name>-<role>`` each)."""
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
        roles: list[pulumi.Resource] = [
            role_assignment(
                f"{name}-{suffix}",
                subscription_id=args["subscription_id"],
                role=role,
                principal_id=self.identity.principal_id,
                scope=scope,
                description=description,
                parent=self,
            )
            for suffix, role, scope, description in grants
        ]
        key = args.get("customer_managed_key")
        if key:
            roles.append(
                key_role_assignment(
                    f"{name}-cmk-key-user",
                    key=key,
                    principal_id=self.identity.principal_id,
                    subscription_id=args["subscription_id"],
                    description="encryption with the customer key",
                    parent=self,
                )
            )
        return roles

    def _workspace(
        self, name: str, args: MlWorkspaceArgs, roles: list[pulumi.Resource]
    ) -> machinelearningservices.Workspace:
        """``<name>-workspace``: private, identity-based datastores, managed network isolation, CMK if given."""
        key = args.get("customer_managed_key")
        return machinelearningservices.Workspace(
            f"{name}-workspace",
            workspace_name=args["workspace_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            kind="Default",
            sku=machinelearningservices.SkuArgs(name="Basic", tier=machinelearningservices.SkuTier.BASIC),
            identity=machinelearningservices.ManagedServiceIdentityArgs(
                type="UserAssigned",
                user_assigned_identities=[self.identity.id]
                + ([self.jobs_identity.id] if self.jobs_identity is not None else []),
            ),
            primary_user_assigned_identity=self.identity.id,
            storage_account=self.storage_account.id,
            container_registry=self.registry.id,
            key_vault=self.vault.vault_id,
            application_insights=self.insights.id,
            public_network_access="Disabled",
            allow_public_access_when_behind_vnet=False,
            hbi_workspace=args.get("high_business_impact", False),
            system_datastores_auth_mode=machinelearningservices.SystemDatastoresAuthMode.IDENTITY,
            v1_legacy_mode=False,
            managed_network=machinelearningservices.ManagedNetworkSettingsArgs(
                isolation_mode=args.get("isolation_mode", DEFAULTS["isolation_mode"])
            ),
            encryption=machinelearningservices.EncryptionPropertyArgs(
                status="Enabled",
                key_vault_properties=machinelearningservices.KeyVaultPropertiesArgs(
                    key_identifier=key["key_uri"], key_vault_arm_id=key["key_vault_id"]
                ),
                identity=machinelearningservices.IdentityForCmkArgs(user_assigned_identity=self.identity.id),
            )
            if key
            else None,
            tags=args.get("tags"),
            opts=child_options(self, protect=args.get("protect", False), depends_on=roles),
        )

    def _private_endpoints(self, name: str, args: MlWorkspaceArgs, endpoint: PrivateEndpointArgs) -> None:
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
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                tags=args.get("tags"),
                parent=self,
            )

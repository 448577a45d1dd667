"""The subscription's audit trail: its activity log kept where nobody can rewrite it, and alerts on tampering.

- A subscription diagnostic setting exports the activity log categories given (who changed what, Defender,
  Azure Policy, alerts) to the Log Analytics workspace of ``diagnostics`` **and** to a storage account.
- The storage account is reached with Entra ID only (no shared keys, no public blobs, TLS 1.2), encrypted twice
  (infrastructure encryption, and the customer key when given), and closed to every network but its private
  endpoint and trusted Azure services: Azure Monitor writes through that exception, which
  ``publicNetworkAccess: Disabled`` would turn off.
- Its containers ``insights-activity-logs`` (where Azure Monitor writes the activity log) and ``aiscale-delivery``
  (where CI ships the promotion and rollout decisions) carry a time-based retention (WORM) policy with protected
  append writes: blobs can be appended to, never changed or deleted before the retention ends, whatever the
  caller's role. ``lock`` adds a management lock on the account; ``protect`` guards account and containers
  against Pulumi.
- With ``alert_routing``: activity log alerts when a Key Vault is deleted or purged, a role assignment is written
  under the platform's resource group, a diagnostic setting is deleted anywhere in the subscription or a
  management lock is removed, and a log alert when a Key Vault key is deleted or purged (a data-plane operation,
  seen in the vaults' ``AZKVAuditLogs`` rather than the activity log). Each links its runbook.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import managedidentity, monitor, storage

from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs, activity_log_alert, log_alert
from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs
from aiscale.components.common.azure_roles import AzureRole, role_assignment
from aiscale.components.common.customer_managed_key import (
    AzureCustomerManagedKeyArgs,
    key_role_assignment,
    storage_encryption,
)
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.options import after, child_options
from aiscale.components.common.private_endpoint import PrivateEndpointArgs, private_endpoint
from aiscale.components.common.protection import ResourceLockArgs, check_lock, resource_lock
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import type_token
from aiscale.core.config.azure import AzureAuditConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AzureAuditTrail")
#: Categories of the subscription activity log (Azure Monitor's names).
CATEGORIES = (
    "Administrative",
    "Security",
    "Policy",
    "Alert",
    "ServiceHealth",
    "Recommendation",
    "Autoscale",
    "ResourceHealth",
)
#: The container Azure Monitor writes a subscription's activity log to (it creates it when missing).
ACTIVITY_LOG_CONTAINER = "insights-activity-logs"
#: The container the promotion and rollout audit lines are shipped to.
DELIVERY_CONTAINER = "aiscale-delivery"
#: Longest time-based retention Azure accepts on a container.
MAX_WORM_DAYS = 146_000
#: Activity log operations that remove a Key Vault or the ability to recover it.
VAULT_REMOVAL = ("Microsoft.KeyVault/vaults/delete", "Microsoft.KeyVault/locations/deletedVaults/purge/action")
#: Key Vault data-plane operations (``AZKVAuditLogs.OperationName``) that remove a key or the ability to recover it.
KEY_REMOVAL = ("KeyDelete", "KeyPurge")


class AzureAuditTrailArgs(TypedDict):
    """Arguments of :class:`AzureAuditTrail`."""

    storage_account_name: str
    """Globally unique name of the audit storage account."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the audit resources."""
    resource_group_id: pulumi.Input[str]
    """The platform's resource group: role assignments written under it alert."""
    location: pulumi.Input[str]
    """Region of the audit storage account."""
    subscription_id: pulumi.Input[str]
    """The subscription whose activity log is exported (and whose role definitions the assignments use)."""
    diagnostics: AzureDiagnosticsArgs
    """The Log Analytics workspace the activity log goes to (besides the storage account)."""
    categories: NotRequired[Sequence[str]]
    """Activity log categories to export."""
    worm_retention_days: int
    """Days every exported blob stays write-once, 1-146000."""
    storage_sku: NotRequired[str]
    """Redundancy of the audit account (``Standard_GZRS`` keeps a copy in the paired region)."""
    customer_managed_key: NotRequired[AzureCustomerManagedKeyArgs]
    """Encrypt the audit account with this key (versionless: rotation follows)."""
    private_endpoint: NotRequired[PrivateEndpointArgs]
    """Read the audit blobs through a private endpoint (``blob``)."""
    delivery_writer_principal_id: NotRequired[pulumi.Input[str]]
    """Object id of the identity that ships delivery decisions: Storage Blob Data Contributor on
    ``aiscale-delivery`` only."""
    alert_routing: NotRequired[AzureAlertRoutingArgs]
    """Alert on vault, key, role assignment, diagnostic setting and lock tampering (needs the Log Analytics
    workspace of the routing for the key alert)."""
    tags: NotRequired[Tags]
    """Azure tags of the account, its identity, private endpoint and alerts."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the account, its containers and the activity log export."""
    lock: NotRequired[ResourceLockArgs]
    """A management lock on the audit account (``CanNotDelete``: ``ReadOnly`` would also stop Azure Monitor
    from renewing its access)."""


DEFAULTS = declare(
    AzureAuditTrailArgs,
    categories=stack_default(AzureAuditConfig, "categories"),
    storage_sku="Standard_ZRS",
)


def _validate(args: AzureAuditTrailArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    categories = list(args.get("categories", DEFAULTS["categories"]))
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        fail("categories", f"{unknown} are not activity log categories ({', '.join(CATEGORIES)})")
    if not categories or len(set(categories)) != len(categories):
        fail("categories", f"give each category once, at least one (got {categories})")
    if not 1 <= args["worm_retention_days"] <= MAX_WORM_DAYS:
        fail("worm_retention_days", f"{args['worm_retention_days']} is outside 1-{MAX_WORM_DAYS}")
    routing = args.get("alert_routing")
    if routing is not None and "log_analytics_workspace_id" not in routing:
        fail("alert_routing.log_analytics_workspace_id", "the key deletion alert queries the Log Analytics workspace")
    if args.get("lock", {}).get("level") == "ReadOnly":
        fail("lock.level", "ReadOnly stops Azure Monitor from writing: use CanNotDelete")
    check_lock(COMPONENT, args.get("lock"))
    azure_tags(COMPONENT, args.get("tags"))


class AzureAuditTrail(pulumi.ComponentResource):
    """``<name>-storage`` with its WORM containers, ``<name>-activity-log`` (the export), alerts, a lock."""

    storage_account: storage.StorageAccount
    activity_log: monitor.SubscriptionDiagnosticSetting
    storage_account_id: pulumi.Output[str]
    delivery_container_url: pulumi.Output[str]
    """``https://<account>.blob.core.windows.net/aiscale-delivery``: where CI uploads the delivery audit lines."""

    def __init__(self, name: str, args: AzureAuditTrailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        protect = args.get("protect", False)
        self.storage_account = self._storage(name, args)
        account_name = after(self.storage_account, args["storage_account_name"])
        containers = {
            suffix: self._worm_container(name, suffix, container, account_name, args)
            for suffix, container in (("activity-logs", ACTIVITY_LOG_CONTAINER), ("delivery", DELIVERY_CONTAINER))
        }
        if "delivery_writer_principal_id" in args:
            role_assignment(
                f"{name}-delivery-writer",
                subscription_id=args["subscription_id"],
                role=AzureRole.storage_blob_data_contributor,
                principal_id=args["delivery_writer_principal_id"],
                scope=containers["delivery"].id,
                description="CI ships promotion and rollout decisions to the audit store",
                parent=self,
            )
        if "private_endpoint" in args:
            private_endpoint(
                name,
                component=COMPONENT,
                target_id=self.storage_account.id,
                group_id="blob",
                args=args["private_endpoint"],
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                tags=args.get("tags"),
                parent=self,
            )
        # The export waits for the WORM policies: no activity log blob is ever written without one.
        self.activity_log = monitor.SubscriptionDiagnosticSetting(
            f"{name}-activity-log",
            name=f"{name}-activity-log",
            workspace_id=args["diagnostics"]["workspace_id"],
            storage_account_id=self.storage_account.id,
            logs=[
                monitor.SubscriptionLogSettingsArgs(category=category, enabled=True)
                for category in args.get("categories", DEFAULTS["categories"])
            ],
            opts=child_options(self, protect=protect, depends_on=list(containers.values())),
        )
        if "lock" in args:
            resource_lock(f"{name}-storage", scope=self.storage_account.id, args=args["lock"], parent=self)
        if "alert_routing" in args:
            self._alerts(name, args, args["alert_routing"])

        self.storage_account_id = self.storage_account.id
        self.delivery_container_url = pulumi.Output.concat(
            "https://", account_name, ".blob.core.windows.net/", DELIVERY_CONTAINER
        )
        self.register_outputs(
            {"storageAccountId": self.storage_account_id, "deliveryContainerUrl": self.delivery_container_url}
        )

    def _storage(self, name: str, args: AzureAuditTrailArgs) -> storage.StorageAccount:
        """``<name>-storage``: Entra ID only, no public blobs, firewalled to trusted services; CMK if given."""
        key = args.get("customer_managed_key")
        identity = None
        prerequisites: list[pulumi.Resource] = []
        if key is not None:
            identity = managedidentity.UserAssignedIdentity(
                f"{name}-identity",
                resource_name_=f"{args['storage_account_name']}-identity",
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                tags=args.get("tags"),
                opts=child_options(self),
            )
            prerequisites.append(
                key_role_assignment(
                    f"{name}-key-user",
                    key=key,
                    principal_id=identity.principal_id,
                    subscription_id=args["subscription_id"],
                    description="the audit storage account encrypts with the customer key",
                    parent=self,
                )
            )
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
            public_network_access="Enabled",
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY, bypass="AzureServices"
            ),
            identity=storage.IdentityArgs(type="UserAssigned", user_assigned_identities=[identity.id])
            if identity is not None
            else None,
            encryption=storage_encryption(key, identity.id if identity is not None else None),
            tags=args.get("tags"),
            opts=child_options(self, protect=args.get("protect", False), depends_on=prerequisites),
        )

    def _worm_container(
        self, name: str, suffix: str, container: str, account_name: pulumi.Input[str], args: AzureAuditTrailArgs
    ) -> storage.BlobContainer:
        """``<name>-<suffix>`` and ``<name>-<suffix>-worm``: a private container under time-based retention."""
        blob_container = storage.BlobContainer(
            f"{name}-{suffix}",
            container_name=container,
            account_name=account_name,
            resource_group_name=args["resource_group_name"],
            public_access=storage.PublicAccess.NONE,
            opts=child_options(self, protect=args.get("protect", False)),
        )
        storage.BlobContainerImmutabilityPolicy(
            f"{name}-{suffix}-worm",
            # Azure names a container's time-based retention policy "default".
            immutability_policy_name="default",
            account_name=account_name,
            container_name=after(blob_container, container),
            resource_group_name=args["resource_group_name"],
            immutability_period_since_creation_in_days=args["worm_retention_days"],
            # Azure Monitor appends to hourly blobs: new blocks may be added, none changed or removed.
            allow_protected_append_writes=True,
            opts=child_options(self, protect=args.get("protect", False)),
        )
        return blob_container

    def _alerts(self, name: str, args: AzureAuditTrailArgs, routing: AzureAlertRoutingArgs) -> None:
        """Activity log alerts on tampering with keys, access, audit settings and locks; a log alert on keys."""
        group, tags = args["resource_group_name"], args.get("tags")
        workspace = routing.get("log_analytics_workspace_id")
        assert workspace is not None  # _validate: the key alert needs it
        subscription = pulumi.Output.concat("/subscriptions/", args["subscription_id"])
        for alert, operations, scope, description in (
            (
                "key-vault-deleted",
                VAULT_REMOVAL,
                args["resource_group_id"],
                "A Key Vault of the platform was deleted or purged: what its keys encrypt becomes unreadable.",
            ),
            (
                "role-assignment-written",
                ("Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete"),
                args["resource_group_id"],
                "A role assignment was written or removed in the platform's resource group.",
            ),
            (
                "diagnostic-setting-deleted",
                ("Microsoft.Insights/diagnosticSettings/delete",),
                subscription,
                "A diagnostic setting was deleted in the subscription: logs (perhaps the audit trail) stop flowing.",
            ),
            (
                "lock-deleted",
                ("Microsoft.Authorization/locks/delete",),
                subscription,
                "A management lock was removed in the subscription: what it protected can now be deleted.",
            ),
        ):
            activity_log_alert(
                name,
                rule_name=f"{args['storage_account_name']}-{alert}",
                alert=alert,
                runbook_page=alert,
                description=description,
                operations=operations,
                scope=scope,
                args=routing,
                resource_group_name=group,
                tags=tags,
                parent=self,
            )
        log_alert(
            name,
            rule_name=f"{args['storage_account_name']}-key-deleted",
            alert="key-deleted",
            runbook_page="key-deleted",
            description="A Key Vault key was deleted or purged: data encrypted with it is lost once it is purged.",
            query=(
                "AZKVAuditLogs | where OperationName in ("
                + ", ".join(f'"{operation}"' for operation in KEY_REMOVAL)
                + ") | summarize Removed = count()"
            ),
            measure_column="Removed",
            threshold=0,
            severity=1,
            args=routing,
            workspace_id=workspace,
            resource_group_name=group,
            location=routing.get("workspace_location", args["location"]),
            watched=[],
            tags=tags,
            parent=self,
        )

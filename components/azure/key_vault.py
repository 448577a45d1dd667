"""Key Vault with customer-managed keys: the keys every other Azure component encrypts with.

Secure by default: RBAC authorization (no access policies), purge protection, soft delete, public network
access disabled with a deny-by-default firewall, rotation policy on every key. Role assignments are scoped to
individual keys, never to the vault.
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import keyvault

from aiscale.components.common.azure_diagnostics import AzureDiagnosticsArgs, check_diagnostics, diagnostic_setting
from aiscale.components.common.azure_roles import KEY_ROLES, role_assignment
from aiscale.components.common.customer_managed_key import AzureCustomerManagedKeyArgs
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.options import after, child_options
from aiscale.components.common.private_endpoint import PrivateEndpointArgs, private_endpoint
from aiscale.components.common.protection import ResourceLockArgs, check_lock, resource_lock
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core import rules
from aiscale.core.config.azure import AzureKeyConfig, AzureKeyVaultConfig, KeyAccessConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("KeyVault")
PREVIOUS_TYPE = "aiscale:azure:KeyVault"
HSM_KEY_TYPES = ("RSA-HSM", "EC-HSM")
KEY_TYPES = ("RSA", "RSA-HSM", "EC", "EC-HSM")


class KeySpecArgs(TypedDict):
    """A key and its rotation policy."""

    key_type: NotRequired[str]
    """``RSA``, ``RSA-HSM``, ``EC`` or ``EC-HSM``."""
    key_size: NotRequired[int]
    """RSA key size in bits."""
    curve: NotRequired[str]
    """EC curve (``P-256``, ``P-384``, ``P-521``)."""
    rotate_after_days: NotRequired[int]
    """Create a new version this many days after the current one (at most 90)."""
    expire_after_days: NotRequired[int]
    """Each version expires this many days after creation."""
    notify_before_expiry_days: NotRequired[int]
    """Notify this many days before a version expires."""


KEY_DEFAULTS = declare(
    KeySpecArgs,
    key_type="RSA",
    rotate_after_days=stack_default(AzureKeyConfig, "rotate_after_days"),
    expire_after_days=stack_default(AzureKeyConfig, "expire_after_days"),
    notify_before_expiry_days=stack_default(AzureKeyConfig, "notify_before_expiry_days"),
)
"""Defaults of the optional args of ``KeySpecArgs``."""


class KeyAccessArgs(TypedDict):
    """A role on some keys for one principal."""

    principal_id: pulumi.Input[str]
    """Object id of the Entra ID principal."""
    keys: Sequence[str]
    """Key names (keys of ``KeyVaultArgs.keys``)."""
    role: NotRequired[str]
    """``crypto_service_encryption_user`` (wrap/unwrap, for CMK), ``crypto_user`` or ``crypto_officer``."""
    principal_type: NotRequired[str]
    """``ServicePrincipal``, ``Group`` or ``User``."""


ACCESS_DEFAULTS = declare(
    KeyAccessArgs,
    role=stack_default(KeyAccessConfig, "role"),
    principal_type=stack_default(KeyAccessConfig, "principal_type"),
)
"""Defaults of the optional args of ``KeyAccessArgs``."""


class KeyVaultArgs(TypedDict):
    """Arguments of :class:`KeyVault`."""

    vault_name: str
    """Globally unique vault name, 3-24 characters."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant."""
    subscription_id: pulumi.Input[str]
    """Subscription of the built-in role definitions used by ``key_access``."""
    location: NotRequired[pulumi.Input[str]]
    """Azure region of the resources (``westeurope``)."""
    sku: NotRequired[str]
    """``standard`` or ``premium``; defaults to ``premium`` when any key is HSM-protected, else ``standard``."""
    soft_delete_retention_days: NotRequired[int]
    """Days a deleted vault or key stays recoverable, 7-90."""
    purge_protection: NotRequired[bool]
    """Required for customer-managed keys and irreversible once on."""
    public_network_access: NotRequired[bool]
    """Off: reach the vault through a private endpoint."""
    allowed_ip_ranges: NotRequired[Sequence[str]]
    """Public CIDR ranges admitted by the firewall (needs ``public_network_access``)."""
    allowed_subnet_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Subnets admitted through service endpoints."""
    keys: NotRequired[Mapping[str, KeySpecArgs]]
    """Keys by name."""
    key_access: NotRequired[Mapping[str, KeyAccessArgs]]
    """Role assignments by a stable name (the name is part of the assignment's identity)."""
    diagnostics: NotRequired[AzureDiagnosticsArgs]
    """Send the vault's audit and request logs to Log Analytics."""
    private_endpoint: NotRequired[PrivateEndpointArgs]
    """Reach the vault through a private endpoint in this subnet."""
    tags: NotRequired[Tags]
    """Azure tags of the vault and its keys."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the vault and its keys (prod)."""
    lock: NotRequired[ResourceLockArgs]
    """An Azure management lock on the vault (its keys inherit it)."""


DEFAULTS = declare(
    KeyVaultArgs,
    soft_delete_retention_days=90,
    purge_protection=stack_default(AzureKeyVaultConfig, "purge_protection"),
    public_network_access=stack_default(AzureKeyVaultConfig, "public_network_access"),
)
"""Defaults of the optional args of ``KeyVaultArgs``."""


def _validate(args: KeyVaultArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    problem = rules.key_vault_name_problem(args["vault_name"])
    if problem:
        fail("vault_name", f"{args['vault_name']!r} {problem}")
    retention = args.get("soft_delete_retention_days", DEFAULTS["soft_delete_retention_days"])
    if not 7 <= retention <= 90:
        fail("soft_delete_retention_days", f"{retention} is outside 7-90")
    keys = args.get("keys", {})
    for key_name, spec in keys.items():
        key_type = spec.get("key_type", KEY_DEFAULTS["key_type"])
        if key_type not in KEY_TYPES:
            fail(f"keys.{key_name}.key_type", f"{key_type!r} is not one of {', '.join(KEY_TYPES)}")
        problem = rules.key_rotation_problem(spec.get("rotate_after_days", KEY_DEFAULTS["rotate_after_days"]))
        if problem:
            fail(f"keys.{key_name}.rotate_after_days", problem)
        problem = rules.azure_key_lifetime_problem(
            spec.get("rotate_after_days", KEY_DEFAULTS["rotate_after_days"]),
            spec.get("expire_after_days", KEY_DEFAULTS["expire_after_days"]),
            spec.get("notify_before_expiry_days", KEY_DEFAULTS["notify_before_expiry_days"]),
        )
        if problem:
            fail(f"keys.{key_name}", problem)
    if args.get("sku") == "standard" and any(s.get("key_type") in HSM_KEY_TYPES for s in keys.values()):
        fail("sku", "HSM-protected keys need 'premium'")
    if args.get("sku", "standard") not in ("standard", "premium"):
        fail("sku", f"{args.get('sku')!r} is not one of standard, premium")
    if args.get("allowed_ip_ranges") and not args.get("public_network_access", DEFAULTS["public_network_access"]):
        fail("allowed_ip_ranges", "only apply with public_network_access=True")
    for access_name, access in args.get("key_access", {}).items():
        unknown = sorted(set(access["keys"]) - set(keys))
        if unknown:
            fail(f"key_access.{access_name}.keys", f"{unknown} are not keys of this vault ({sorted(keys)})")
        role = access.get("role", ACCESS_DEFAULTS["role"])
        if role not in KEY_ROLES:
            fail(f"key_access.{access_name}.role", f"{role!r} is not one of {', '.join(KEY_ROLES)}")
    check_diagnostics(COMPONENT, args.get("diagnostics"))
    check_lock(COMPONENT, args.get("lock"))
    azure_tags(COMPONENT, args.get("tags"))


class KeyVault(pulumi.ComponentResource):
    """A Key Vault with customer-managed keys: RBAC, purge protection, private, rotation policies on every key.

    Children: ``<name>-vault``, ``<name>-key-<key>`` per key, ``<name>-<access>-<key>`` role assignments.
    """

    vault: keyvault.Vault
    keys: dict[str, keyvault.Key]
    vault_id: pulumi.Output[str]
    vault_name: pulumi.Output[str]
    vault_uri: pulumi.Output[str]
    key_ids: pulumi.Output[dict[str, str]]
    """ARM resource ids of the keys (role assignment scopes)."""
    key_uris: pulumi.Output[dict[str, str]]
    """Versionless key URIs: consumers that follow rotation (storage, Azure ML) use these."""
    key_versioned_uris: pulumi.Output[dict[str, str]]
    """Current-version key URIs: what disk encryption sets and AKS KMS require."""

    def __init__(self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        self.vault = self._vault(name, args)
        self.keys = self._keys(name, args)
        self._key_access(name, args)
        if "private_endpoint" in args:
            private_endpoint(
                name,
                component=COMPONENT,
                target_id=self.vault.id,
                group_id="vault",
                args=args["private_endpoint"],
                resource_group_name=args["resource_group_name"],
                location=args.get("location"),
                tags=args.get("tags"),
                parent=self,
            )
        if "diagnostics" in args:
            diagnostic_setting(name, self.vault.id, args["diagnostics"], self)
        if "lock" in args:
            resource_lock(f"{name}-vault", scope=self.vault.id, args=args["lock"], parent=self)

        self.vault_id = self.vault.id
        self.vault_name = self.vault.name
        self.vault_uri = self.vault.properties.apply(lambda p: p.vault_uri)
        self.key_ids = pulumi.Output.all(**{k: v.id for k, v in self.keys.items()})
        self.key_uris = pulumi.Output.all(**{k: v.key_uri for k, v in self.keys.items()})
        self.key_versioned_uris = pulumi.Output.all(**{k: v.key_uri_with_version for k, v in self.keys.items()})
        self.register_outputs(
            {
                "vaultId": self.vault_id,
                "vaultName": self.vault_name,
                "vaultUri": self.vault_uri,
                "keyIds": self.key_ids,
                "keyUris": self.key_uris,
                "keyVersionedUris": self.key_versioned_uris,
            }
        )

    def customer_managed_key(self, key_name: str) -> AzureCustomerManagedKeyArgs:
        """The customer-managed key interface for key ``key_name``, as consuming components take it."""
        key = self.keys[key_name]
        return {
            "key_vault_id": self.vault.id,
            "key_vault_uri": self.vault_uri,
            "key_name": after(key, key_name),
            "key_id": key.id,
            "key_uri": key.key_uri,
            "key_versioned_uri": key.key_uri_with_version,
        }

    def _vault(self, name: str, args: KeyVaultArgs) -> keyvault.Vault:
        """``<name>-vault``: RBAC, purge protection, soft delete, deny-by-default firewall."""
        hsm = any(spec.get("key_type") in HSM_KEY_TYPES for spec in args.get("keys", {}).values())
        public = args.get("public_network_access", DEFAULTS["public_network_access"])
        return keyvault.Vault(
            f"{name}-vault",
            vault_name=args["vault_name"],
            resource_group_name=args["resource_group_name"],
            location=args.get("location"),
            tags=args.get("tags"),
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=args["tenant_id"],
                sku=keyvault.SkuArgs(
                    family="A", name=keyvault.SkuName(args.get("sku", "premium" if hsm else "standard"))
                ),
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=args.get(
                    "soft_delete_retention_days", DEFAULTS["soft_delete_retention_days"]
                ),
                enable_purge_protection=args.get("purge_protection", DEFAULTS["purge_protection"]),
                enabled_for_deployment=False,
                enabled_for_disk_encryption=False,
                enabled_for_template_deployment=False,
                public_network_access="Enabled" if public else "Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action="Deny",
                    # Trusted Azure services (disk encryption sets, Azure ML) reach the vault past the firewall.
                    bypass="AzureServices",
                    ip_rules=[keyvault.IPRuleArgs(value=r) for r in args.get("allowed_ip_ranges", [])] or None,
                    virtual_network_rules=[
                        keyvault.VirtualNetworkRuleArgs(id=s) for s in args.get("allowed_subnet_ids", [])
                    ]
                    or None,
                ),
            ),
            opts=child_options(self, protect=args.get("protect", False)),
        )

    def _keys(self, name: str, args: KeyVaultArgs) -> dict[str, keyvault.Key]:
        """``<name>-key-<key>`` per key, each with its rotation policy."""
        return {
            key_name: keyvault.Key(
                f"{name}-key-{key_name}",
                key_name=key_name,
                vault_name=after(self.vault, args["vault_name"]),
                resource_group_name=args["resource_group_name"],
                tags=args.get("tags"),
                properties=_key_properties(spec),
                opts=child_options(self, protect=args.get("protect", False)),
            )
            for key_name, spec in args.get("keys", {}).items()
        }

    def _key_access(self, name: str, args: KeyVaultArgs) -> None:
        """``<name>-<access>-<key>``: each principal's role on each of its keys, never on the vault."""
        for access_name, access in args.get("key_access", {}).items():
            role = KEY_ROLES[access.get("role", ACCESS_DEFAULTS["role"])]
            for key_name in access["keys"]:
                role_assignment(
                    f"{name}-{access_name}-{key_name}",
                    subscription_id=args["subscription_id"],
                    role=role,
                    principal_id=access["principal_id"],
                    principal_type=access.get("principal_type", ACCESS_DEFAULTS["principal_type"]),
                    scope=self.keys[key_name].id,
                    description=f"{access_name} uses key {key_name}",
                    parent=self,
                )


def _key_properties(spec: KeySpecArgs) -> keyvault.KeyPropertiesArgs:
    rotate = spec.get("rotate_after_days", KEY_DEFAULTS["rotate_after_days"])
    expire = spec.get("expire_after_days", KEY_DEFAULTS["expire_after_days"])
    notify = spec.get("notify_before_expiry_days", KEY_DEFAULTS["notify_before_expiry_days"])
    return keyvault.KeyPropertiesArgs(
        kty=spec.get("key_type", KEY_DEFAULTS["key_type"]),
        key_size=spec.get("key_size"),
        curve_name=spec.get("curve"),
        rotation_policy=keyvault.RotationPolicyArgs(
            attributes=keyvault.KeyRotationPolicyAttributesArgs(expiry_time=rules.iso_days(expire)),
            lifetime_actions=[
                keyvault.LifetimeActionArgs(
                    action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
                    trigger=keyvault.TriggerArgs(time_after_create=rules.iso_days(rotate)),
                ),
                keyvault.LifetimeActionArgs(
                    action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.NOTIFY),
                    trigger=keyvault.TriggerArgs(time_before_expiry=rules.iso_days(notify)),
                ),
            ],
        ),
    )

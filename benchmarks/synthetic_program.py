"""A synthetic azure-native program of a realistic shape, used by the benchmarks (and nothing else).

One resource group, one VNet, and ``BLOCKS`` blocks of six resources (subnet, NSG, key, agent pool, role
assignment, private endpoint) inside components, plus a vault and a cluster: 6 * BLOCKS + 4 resources.
"""

from __future__ import annotations

from typing import NamedTuple

import pulumi
from pulumi_azure_native import authorization, containerservice, keyvault, network, resources

BLOCKS = 50


class Shared(NamedTuple):
    """The resources every block refers to."""

    group: resources.ResourceGroup
    vnet: network.VirtualNetwork
    vault: keyvault.Vault
    cluster: containerservice.ManagedCluster


class Block(pulumi.ComponentResource):
    def __init__(self, name: str, index: int, shared: Shared, opts: pulumi.ResourceOptions) -> None:
        super().__init__("bench:index:Block", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        group, vnet, vault, cluster = shared
        nsg = network.NetworkSecurityGroup(
            f"{name}-nsg", resource_group_name=group.name, location="westeurope", opts=child
        )
        subnet = network.Subnet(
            f"{name}-subnet",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefix=f"10.{index // 250}.{index % 250}.0/24",
            network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
            opts=child,
        )
        key = keyvault.Key(
            f"{name}-key",
            resource_group_name=group.name,
            vault_name=vault.name,
            properties=keyvault.KeyPropertiesArgs(kty="RSA", key_size=3072),
            opts=child,
        )
        containerservice.AgentPool(
            f"{name}-pool",
            resource_group_name=group.name,
            resource_name_=cluster.name,
            vm_size="Standard_NC24ads_A100_v4",
            count=0,
            min_count=0,
            max_count=4,
            enable_auto_scaling=True,
            mode="User",
            vnet_subnet_id=subnet.id,
            node_taints=["nvidia.com/gpu=present:NoSchedule"],
            opts=child,
        )
        authorization.RoleAssignment(
            f"{name}-role",
            principal_id="11111111-2222-4333-8444-555555555555",
            role_definition_id="/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6",
            scope=key.id,
            opts=child,
        )
        network.PrivateEndpoint(
            f"{name}-pe",
            resource_group_name=group.name,
            subnet=network.SubnetArgs(id=subnet.id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name="vault", group_ids=["vault"], private_link_service_id=vault.id
                )
            ],
            opts=child,
        )
        self.register_outputs({})


def build(blocks: int = BLOCKS) -> None:
    group = resources.ResourceGroup("bench-rg", location="westeurope")
    vnet = network.VirtualNetwork(
        "bench-vnet",
        resource_group_name=group.name,
        address_space=network.AddressSpaceArgs(address_prefixes=["10.0.0.0/8"]),
    )
    vault = keyvault.Vault(
        "bench-vault",
        resource_group_name=group.name,
        properties=keyvault.VaultPropertiesArgs(
            tenant_id="t", sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.PREMIUM)
        ),
    )
    cluster = containerservice.ManagedCluster(
        "bench-aks",
        resource_group_name=group.name,
        dns_prefix="bench",
        agent_pool_profiles=[
            containerservice.ManagedClusterAgentPoolProfileArgs(
                name="system", vm_size="Standard_D4s_v5", count=3, mode="System"
            )
        ],
    )
    shared = Shared(group, vnet, vault, cluster)
    for index in range(blocks):
        Block(f"block{index}", index, shared, pulumi.ResourceOptions())


def load_classes() -> None:
    """azure-native loads resource modules lazily; touch the classes used here so they are imported."""
    for cls in (
        authorization.RoleAssignment,
        containerservice.AgentPool,
        containerservice.ManagedCluster,
        keyvault.Key,
        keyvault.Vault,
        network.NetworkSecurityGroup,
        network.PrivateEndpoint,
        network.Subnet,
        network.VirtualNetwork,
        resources.ResourceGroup,
    ):
        assert cls.__name__


def resource_count(blocks: int = BLOCKS) -> int:
    return 6 * blocks + 4

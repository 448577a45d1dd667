"""aiscale:index:AzureNetwork and the private endpoint interface."""

from typing import Any

import pytest

from aiscale.components.azure.key_vault import KeyVault
from aiscale.components.azure.network import AzureNetwork, AzureNetworkArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

ZONES = ["privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net"]


def args(**changes: Any) -> AzureNetworkArgs:
    base: AzureNetworkArgs = {
        "resource_group_name": "rg-net",
        "location": "westeurope",
        "vnet_name": "net-vnet",
        "address_space": "10.1.0.0/16",
        "subnets": {
            "system": {"prefix": "10.1.0.0/22"},
            "endpoints": {"prefix": "10.1.4.0/24", "private_endpoints": True},
            "apiserver": {"prefix": "10.1.5.0/28", "delegation": "Microsoft.ContainerService/managedClusters"},
        },
        "private_dns_zones": ZONES,
        "tags": {"owner": "team"},
    }
    return changed(base, changes)


def test_children() -> None:
    run = record_program(lambda: AzureNetwork("net", args()))
    assert children(run, find(run, "aiscale:index:AzureNetwork", "net")) == [
        ("azure-native:network:VirtualNetwork", "net-vnet"),
        ("azure-native:network:NetworkSecurityGroup", "net-system-nsg"),
        ("azure-native:network:Subnet", "net-system-subnet"),
        ("azure-native:network:NetworkSecurityGroup", "net-endpoints-nsg"),
        ("azure-native:network:Subnet", "net-endpoints-subnet"),
        ("azure-native:network:NetworkSecurityGroup", "net-apiserver-nsg"),
        ("azure-native:network:Subnet", "net-apiserver-subnet"),
        ("azure-native:privatedns:PrivateZone", "net-zone-vaultcore-azure-net"),
        ("azure-native:privatedns:VirtualNetworkLink", "net-zone-vaultcore-azure-net-link"),
        ("azure-native:privatedns:PrivateZone", "net-zone-blob-core-windows-net"),
        ("azure-native:privatedns:VirtualNetworkLink", "net-zone-blob-core-windows-net-link"),
    ]


def test_vnet_subnets_and_nsgs() -> None:
    run = record_program(lambda: AzureNetwork("net", args()))
    vnet = find(run, "azure-native:network:VirtualNetwork", "net-vnet")
    assert vnet.inputs == {
        "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
        "enableDdosProtection": False,  # injected by the SDK
        "enableVmProtection": False,  # injected by the SDK
        "location": "westeurope",
        "resourceGroupName": "rg-net",
        "tags": {"owner": "team"},
        "virtualNetworkName": "net-vnet",
    }
    assert vnet.ignore_changes == ["subnets"]
    nsg = find(run, "azure-native:network:NetworkSecurityGroup", "net-system-nsg")
    assert nsg.inputs["securityRules"] == [
        {
            "access": "Deny",
            "description": "aiscale: no remote administration from the internet",
            "destinationAddressPrefix": "*",
            "destinationPortRanges": ["22", "3389"],
            "direction": "Inbound",
            "name": "deny-ssh-rdp-from-internet",
            "priority": 4000,
            "protocol": "Tcp",
            "sourceAddressPrefix": "Internet",
            "sourcePortRange": "*",
        }
    ]
    system = find(run, "azure-native:network:Subnet", "net-system-subnet")
    endpoints = find(run, "azure-native:network:Subnet", "net-endpoints-subnet")
    apiserver = find(run, "azure-native:network:Subnet", "net-apiserver-subnet")
    assert system.inputs == {
        "addressPrefix": "10.1.0.0/22",
        "defaultOutboundAccess": False,
        "networkSecurityGroup": {"id": "[unknown]"},
        "privateEndpointNetworkPolicies": "Disabled",  # SDK default
        "privateLinkServiceNetworkPolicies": "Enabled",  # SDK default
        "resourceGroupName": "rg-net",
        "subnetName": "system",
        "virtualNetworkName": "net-vnet",
    }
    assert system.property_dependencies["networkSecurityGroup"] == [nsg.urn]
    assert endpoints.inputs["privateEndpointNetworkPolicies"] == "Enabled"
    assert apiserver.inputs["delegations"] == [
        {
            "name": "Microsoft.ContainerService-managedClusters",
            "serviceName": "Microsoft.ContainerService/managedClusters",
        }
    ]
    # Subnets of one VNet are created one after another.
    assert system.urn in endpoints.dependencies and endpoints.urn in apiserver.dependencies


def test_dns_zone_and_link() -> None:
    run = record_program(lambda: AzureNetwork("net", args()))
    zone = find(run, "azure-native:privatedns:PrivateZone", "net-zone-vaultcore-azure-net")
    link = find(run, "azure-native:privatedns:VirtualNetworkLink", "net-zone-vaultcore-azure-net-link")
    assert zone.inputs == {
        "location": "global",
        "privateZoneName": "privatelink.vaultcore.azure.net",
        "resourceGroupName": "rg-net",
        "tags": {"owner": "team"},
    }
    assert link.inputs == {
        "location": "global",
        "privateZoneName": "privatelink.vaultcore.azure.net",
        "registrationEnabled": False,
        "resourceGroupName": "rg-net",
        "tags": {"owner": "team"},
        "virtualNetwork": {"id": "[unknown]"},
        "virtualNetworkLinkName": "net-vnet-link",
    }
    assert zone.urn in link.dependencies


def test_no_zones_when_policy_owns_dns() -> None:
    run = record_program(lambda: AzureNetwork("net", args(private_dns_zones=[])))
    assert not [r for r in run.registrations if r.type.startswith("azure-native:privatedns")]


def test_private_endpoint_interface_on_a_vault() -> None:
    def program() -> None:
        net = AzureNetwork("net", args())
        KeyVault(
            "kv",
            {
                "vault_name": "kv-pe-test",
                "resource_group_name": "rg-net",
                "tenant_id": "t",
                "subscription_id": "s",
                "private_endpoint": net.private_endpoint(),
            },
        )

    run = record_program(program)
    endpoint = find(run, "azure-native:network:PrivateEndpoint", "kv-pe-vault")
    group = find(run, "azure-native:network:PrivateDnsZoneGroup", "kv-pe-vault-dns")
    vault = find(run, "azure-native:keyvault:Vault", "kv-vault")
    assert endpoint.inputs == {
        "customNetworkInterfaceName": "kv-pe-vault-nic",
        "privateEndpointName": "kv-pe-vault",
        "privateLinkServiceConnections": [
            {"groupIds": ["vault"], "name": "kv-pe-vault", "privateLinkServiceId": "[unknown]"}
        ],
        "resourceGroupName": "rg-net",
        # SubnetArgs carries SDK defaults; the endpoint request only uses the id.
        "subnet": {
            "id": "[unknown]",
            "privateEndpointNetworkPolicies": "Disabled",
            "privateLinkServiceNetworkPolicies": "Enabled",
        },
    }
    assert vault.urn in endpoint.property_dependencies["privateLinkServiceConnections"]
    assert (
        find(run, "azure-native:network:Subnet", "net-endpoints-subnet").urn in endpoint.property_dependencies["subnet"]
    )
    assert group.inputs["privateDnsZoneConfigs"] == [
        {"name": "privatelink-vaultcore-azure-net", "privateDnsZoneId": "[unknown]"}
    ]


def test_private_endpoint_without_dns_zone_group() -> None:
    run = record_program(
        lambda: KeyVault(
            "kv",
            {
                "vault_name": "kv-pe-test",
                "resource_group_name": "rg",
                "tenant_id": "t",
                "subscription_id": "s",
                "private_endpoint": {"subnet_id": "sub"},
            },
        )
    )
    assert [r.name for r in run.registrations if "pe" in r.name] == ["kv-pe-vault"]


def test_missing_zone_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError, match=r"private_endpoint\.dns_zone_ids: needs zones"):
        record_program(
            lambda: KeyVault(
                "kv",
                {
                    "vault_name": "kv-pe-test",
                    "resource_group_name": "rg",
                    "tenant_id": "t",
                    "subscription_id": "s",
                    "private_endpoint": {"subnet_id": "sub", "dns_zone_ids": {"privatelink.azurecr.io": "z"}},
                },
            )
        )


def test_subnet_outside_the_space() -> None:
    with pytest.raises(InvalidArgumentError, match=r"subnets.system.prefix: 10.2.0.0/24 is outside 10.1.0.0/16"):
        record_program(lambda: AzureNetwork("net", args(subnets={"system": {"prefix": "10.2.0.0/24"}})))

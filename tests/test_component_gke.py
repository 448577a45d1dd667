"""aiscale:index:GcpNetwork, GkeCluster and GkeGpuNodePool: exact children, key inputs, validation."""

from typing import Any

import pytest

from aiscale.components.gcp.gke_cluster import GkeCluster, GkeClusterArgs
from aiscale.components.gcp.gpu_node_pool import GkeGpuNodePool, GkeGpuNodePoolArgs
from aiscale.components.gcp.vpc import GcpNetwork, GcpNetworkArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

KEY = "projects/p-unit/locations/europe-west4/keyRings/r/cryptoKeys/gke"
ROUTING: dict[str, Any] = {
    "notification_channels": ["projects/p-unit/notificationChannels/1"],
    "runbook_base_url": "https://runbooks.example.com/aiscale",
}


def vpc_args(**changes: Any) -> GcpNetworkArgs:
    base: GcpNetworkArgs = {
        "project": "p-unit",
        "region": "europe-west4",
        "network_name": "unit-vpc",
        "subnet": "10.0.0.0/20",
        "pods_range": "10.4.0.0/14",
        "services_range": "10.8.0.0/20",
        "private_service_access_range": "10.9.0.0/20",
        "labels": {"owner": "ml"},
    }
    return changed(base, changes)


def test_vpc_children_and_subnet() -> None:
    run = record_program(lambda: GcpNetwork("vpc", vpc_args()))
    assert children(run, find(run, "aiscale:index:GcpNetwork", "vpc")) == [
        ("gcp:compute/network:Network", "vpc-network"),
        ("gcp:compute/subnetwork:Subnetwork", "vpc-subnet"),
        ("gcp:compute/router:Router", "vpc-router"),
        ("gcp:compute/routerNat:RouterNat", "vpc-nat"),
        ("gcp:compute/firewall:Firewall", "vpc-deny-ingress"),
        ("gcp:compute/firewall:Firewall", "vpc-allow-health-checks"),
        ("gcp:compute/globalAddress:GlobalAddress", "vpc-psa-range"),
        ("gcp:servicenetworking/connection:Connection", "vpc-psa"),
    ]
    network = find(run, "gcp:compute/network:Network", "vpc-network")
    assert network.inputs == {
        "autoCreateSubnetworks": False,
        "name": "unit-vpc",
        "project": "p-unit",
        "routingMode": "REGIONAL",
    }
    subnet = find(run, "gcp:compute/subnetwork:Subnetwork", "vpc-subnet")
    assert {k: v for k, v in subnet.inputs.items() if k != "network"} == {
        "ipCidrRange": "10.0.0.0/20",
        "logConfig": {"aggregationInterval": "INTERVAL_5_SEC", "flowSampling": 0.5, "metadata": "INCLUDE_ALL_METADATA"},
        "name": "unit-vpc-europe-west4",
        "privateIpGoogleAccess": True,
        "project": "p-unit",
        "region": "europe-west4",
        "secondaryIpRanges": [
            {"ipCidrRange": "10.4.0.0/14", "rangeName": "pods"},
            {"ipCidrRange": "10.8.0.0/20", "rangeName": "services"},
        ],
    }
    assert subnet.property_dependencies["network"] == [network.urn]


def test_vpc_egress_firewall_and_private_service_access() -> None:
    run = record_program(lambda: GcpNetwork("vpc", vpc_args()))
    nat = find(run, "gcp:compute/routerNat:RouterNat", "vpc-nat")
    subnet = find(run, "gcp:compute/subnetwork:Subnetwork", "vpc-subnet")
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    assert nat.inputs["subnetworks"] == [{"name": "[unknown]", "sourceIpRangesToNats": ["ALL_IP_RANGES"]}]
    assert subnet.urn in nat.property_dependencies["subnetworks"]
    assert nat.inputs["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}
    deny = find(run, "gcp:compute/firewall:Firewall", "vpc-deny-ingress")
    assert {k: v for k, v in deny.inputs.items() if k not in ("network", "description")} == {
        "denies": [{"protocol": "all"}],
        "direction": "INGRESS",
        "logConfig": {"metadata": "INCLUDE_ALL_METADATA"},
        "name": "unit-vpc-deny-all-ingress",
        "priority": 65534,
        "project": "p-unit",
        "sourceRanges": ["0.0.0.0/0"],
    }
    health = find(run, "gcp:compute/firewall:Firewall", "vpc-allow-health-checks")
    assert health.inputs["sourceRanges"] == ["35.191.0.0/16", "130.211.0.0/22"]
    assert health.inputs["allows"] == [{"protocol": "tcp"}]
    reserved = find(run, "gcp:compute/globalAddress:GlobalAddress", "vpc-psa-range")
    assert {k: v for k, v in reserved.inputs.items() if k != "network"} == {
        "address": "10.9.0.0",
        "addressType": "INTERNAL",
        "labels": {"owner": "ml"},
        "name": "unit-vpc-psa",
        "prefixLength": 20,
        "project": "p-unit",
        "purpose": "VPC_PEERING",
    }
    psa = find(run, "gcp:servicenetworking/connection:Connection", "vpc-psa")
    assert psa.inputs["service"] == "servicenetworking.googleapis.com"
    assert psa.inputs["reservedPeeringRanges"] == ["unit-vpc-psa"]
    assert reserved.urn in psa.dependencies


def test_vpc_without_private_service_access() -> None:
    args = vpc_args()
    del args["private_service_access_range"]
    run = record_program(lambda: GcpNetwork("vpc", args))
    assert [name for _, name in children(run, find(run, "aiscale:index:GcpNetwork", "vpc"))][
        -1
    ] == "vpc-allow-health-checks"


def test_vpc_validation() -> None:
    with pytest.raises(InvalidArgumentError, match="aiscale:index:GcpNetwork: subnet: "):
        record_program(lambda: GcpNetwork("vpc", vpc_args(subnet="10.0.0.0/33")))
    with pytest.raises(InvalidArgumentError, match=r"flow_log_sampling: 0 is outside \(0, 1\]"):
        record_program(lambda: GcpNetwork("vpc", vpc_args(flow_log_sampling=0)))


def cluster_args(**changes: Any) -> GkeClusterArgs:
    base: GkeClusterArgs = {
        "cluster_name": "gke-unit",
        "project": "p-unit",
        "region": "europe-west4",
        "network_id": "projects/p-unit/global/networks/unit-vpc",
        "subnet_id": "projects/p-unit/regions/europe-west4/subnetworks/unit",
        "pods_range_name": "pods",
        "services_range_name": "services",
        "master_range": "10.10.0.0/28",
        "system_pool": {"machine_type": "e2-standard-4", "min_nodes": 1, "max_nodes": 3},
        "control_plane": {"authorized_ranges": ["10.0.0.0/20"]},
        "zones": ["europe-west4-a"],
        "maintenance_window": {"day_of_week": "Saturday", "start_hour": 1, "duration_hours": 6},
        "secrets_encryption_key": {"key_id": KEY},
        "disk_encryption_key": {"key_id": KEY},
        "security_group": "gke-security-groups@example.com",
        "deletion_protection": True,
        "labels": {"owner": "ml"},
        "protect": True,
    }
    return changed(base, changes)


NODE_CONFIG = {
    "bootDiskKmsKey": KEY,
    "diskType": "pd-balanced",
    "metadata": {"disable-legacy-endpoints": "true"},
    "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
    "serviceAccount": "[unknown]",
    "shieldedInstanceConfig": {"enableIntegrityMonitoring": True, "enableSecureBoot": True},
    "workloadMetadataConfig": {"mode": "GKE_METADATA"},
}


def test_cluster_children_and_node_account() -> None:
    run = record_program(lambda: GkeCluster("gke", cluster_args()))
    assert children(run, find(run, "aiscale:index:GkeCluster", "gke")) == [
        ("gcp:serviceaccount/account:Account", "gke-nodes-sa"),
        ("gcp:projects/iAMMember:IAMMember", "gke-nodes-logging-logwriter"),
        ("gcp:projects/iAMMember:IAMMember", "gke-nodes-monitoring-metricwriter"),
        ("gcp:projects/iAMMember:IAMMember", "gke-nodes-monitoring-viewer"),
        ("gcp:projects/iAMMember:IAMMember", "gke-nodes-stackdriver-resourcemetadata-writer"),
        ("gcp:projects/iAMMember:IAMMember", "gke-nodes-autoscaling-metricswriter"),
        ("gcp:projects/iAMMember:IAMMember", "gke-nodes-artifactregistry-reader"),
        ("gcp:container/cluster:Cluster", "gke-cluster"),
        ("gcp:container/nodePool:NodePool", "gke-system"),
    ]
    account = find(run, "gcp:serviceaccount/account:Account", "gke-nodes-sa")
    assert account.inputs == {
        "accountId": "gke-unit-nodes",
        "displayName": "Nodes of GKE cluster gke-unit",
        "project": "p-unit",
    }
    roles = sorted(r.inputs["role"] for r in run.registrations if r.type == "gcp:projects/iAMMember:IAMMember")
    # Least privilege: logs, metrics, image pulls — no editor, no default compute account.
    assert roles == [
        "roles/artifactregistry.reader",
        "roles/autoscaling.metricsWriter",
        "roles/logging.logWriter",
        "roles/monitoring.metricWriter",
        "roles/monitoring.viewer",
        "roles/stackdriver.resourceMetadata.writer",
    ]


def test_cost_allocation_is_the_cluster_cost_management_config() -> None:
    # On unless turned off, as in a stack file.
    run = record_program(lambda: GkeCluster("gke", cluster_args()))
    assert find(run, "gcp:container/cluster:Cluster", "gke-cluster").inputs["costManagementConfig"] == {"enabled": True}
    off = record_program(lambda: GkeCluster("gke", cluster_args(cost_allocation=False)))
    assert "costManagementConfig" not in find(off, "gcp:container/cluster:Cluster", "gke-cluster").inputs


def test_private_cmek_cluster() -> None:
    run = record_program(lambda: GkeCluster("gke", cluster_args()))
    cluster = find(run, "gcp:container/cluster:Cluster", "gke-cluster")
    assert cluster.protect
    assert cluster.inputs == {
        "addonsConfig": {
            "gcePersistentDiskCsiDriverConfig": {"enabled": True},
            "gcsFuseCsiDriverConfig": {"enabled": True},
        },
        "authenticatorGroupsConfig": {"securityGroup": "gke-security-groups@example.com"},
        "controlPlaneEndpointsConfig": {"dnsEndpointConfig": {"allowExternalTraffic": True}},
        "costManagementConfig": {"enabled": True},
        "databaseEncryption": {"keyName": KEY, "state": "ENCRYPTED"},
        "datapathProvider": "ADVANCED_DATAPATH",
        "deletionProtection": True,
        "enableLegacyAbac": False,
        "enableShieldedNodes": True,
        "initialNodeCount": 1,
        "ipAllocationPolicy": {"clusterSecondaryRangeName": "pods", "servicesSecondaryRangeName": "services"},
        "location": "europe-west4",
        "loggingConfig": {"enableComponents": ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER"]},
        "maintenancePolicy": {
            "recurringWindow": {
                "endTime": "2026-01-10T07:00:00Z",
                "recurrence": "FREQ=WEEKLY;BYDAY=SA",
                "startTime": "2026-01-10T01:00:00Z",
            }
        },
        "masterAuth": {"clientCertificateConfig": {"issueClientCertificate": False}},
        "masterAuthorizedNetworksConfig": {
            "cidrBlocks": [{"cidrBlock": "10.0.0.0/20", "displayName": "10.0.0.0/20"}],
            "gcpPublicCidrsAccessEnabled": False,
        },
        "monitoringConfig": {
            "enableComponents": [
                "SYSTEM_COMPONENTS",
                "APISERVER",
                "SCHEDULER",
                "CONTROLLER_MANAGER",
                "STORAGE",
                "POD",
                "DEPLOYMENT",
                "STATEFULSET",
                "DAEMONSET",
                "HPA",
                "DCGM",
            ],
            "managedPrometheus": {"enabled": True},
        },
        "name": "gke-unit",
        "network": "projects/p-unit/global/networks/unit-vpc",
        "networkingMode": "VPC_NATIVE",
        "nodeConfig": NODE_CONFIG,
        "nodeLocations": ["europe-west4-a"],
        "privateClusterConfig": {
            "enablePrivateEndpoint": True,
            "enablePrivateNodes": True,
            "masterGlobalAccessConfig": {"enabled": True},
            "masterIpv4CidrBlock": "10.10.0.0/28",
        },
        "project": "p-unit",
        "releaseChannel": {"channel": "REGULAR"},
        "removeDefaultNodePool": True,
        "resourceLabels": {"owner": "ml"},
        "subnetwork": "projects/p-unit/regions/europe-west4/subnetworks/unit",
        "workloadIdentityConfig": {"workloadPool": "p-unit.svc.id.goog"},
    }
    # The node account holds its roles before the cluster starts nodes with it.
    grants = {r.urn for r in run.registrations if r.type == "gcp:projects/iAMMember:IAMMember"}
    assert grants <= set(cluster.dependencies)


def test_system_pool() -> None:
    run = record_program(lambda: GkeCluster("gke", cluster_args()))
    pool = find(run, "gcp:container/nodePool:NodePool", "gke-system")
    assert pool.ignore_changes == ["nodeCount", "initialNodeCount"]
    assert pool.inputs == {
        "autoscaling": {"locationPolicy": "BALANCED", "maxNodeCount": 3, "minNodeCount": 1},
        "cluster": "gke-unit",
        "location": "europe-west4",
        "management": {"autoRepair": True, "autoUpgrade": True},
        "name": "system",
        "nodeConfig": {
            **NODE_CONFIG,
            "imageType": "COS_CONTAINERD",
            "labels": {"aiscale.io/purpose": "system"},
            "machineType": "e2-standard-4",
            "resourceLabels": {"owner": "ml"},
        },
        "project": "p-unit",
        "upgradeSettings": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_cluster_without_keys_or_dns_endpoint() -> None:
    args = cluster_args(dns_endpoint=False, deletion_protection=False)
    for key in ("secrets_encryption_key", "disk_encryption_key", "security_group", "maintenance_window"):
        del args[key]
    run = record_program(lambda: GkeCluster("gke", args))
    cluster = find(run, "gcp:container/cluster:Cluster", "gke-cluster")
    for absent in (
        "databaseEncryption",
        "controlPlaneEndpointsConfig",
        "authenticatorGroupsConfig",
        "maintenancePolicy",
    ):
        assert absent not in cluster.inputs
    assert "bootDiskKmsKey" not in cluster.inputs["nodeConfig"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"control_plane": {"authorized_ranges": ["0.0.0.0/0"]}},
            "control_plane.authorized_ranges: must not contain 0.0.0.0/0",
        ),
        (
            {"control_plane": {"private": False, "authorized_ranges": []}},
            "control_plane.authorized_ranges: a public control plane needs them",
        ),
        (
            {"maintenance_window": {"day_of_week": "Sun", "start_hour": 1, "duration_hours": 4}},
            "maintenance_window.day_of_week: 'Sun' is not one of Monday",
        ),
        ({"labels": {"Owner": "ml"}}, "labels: label key 'Owner' is not a valid GCP label key"),
        ({"release_channel": "RAPID"}, "release_channel: 'RAPID' is not one of REGULAR, STABLE"),
        ({"master_range": "10.10.0.0/24"}, "master_range: 10.10.0.0/24 must be a /28"),
        (
            {"maintenance_window": {"day_of_week": "Sunday", "start_hour": 1, "duration_hours": 2}},
            "maintenance_window.duration_hours: must be 4 to 24 hours",
        ),
    ],
)
def test_cluster_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: GkeCluster("gke", cluster_args(**changes)))
    assert message in str(caught.value)


def pool_args(**changes: Any) -> GkeGpuNodePoolArgs:
    base: GkeGpuNodePoolArgs = {
        "pool_name": "l4",
        "project": "p-unit",
        "region": "europe-west4",
        "cluster_id": "projects/p-unit/locations/europe-west4/clusters/gke-unit",
        "cluster_name": "gke-unit",
        "machine_type": "g2-standard-8",
        "min_nodes": 0,
        "max_nodes": 3,
        "service_account_email": "gke-unit-nodes@p-unit.iam.gserviceaccount.com",
        "disk_encryption_key": {"key_id": KEY},
        "labels": {"owner": "ml"},
    }
    return changed(base, changes)


def test_gpu_pool_from_the_machine_table() -> None:
    run = record_program(lambda: GkeGpuNodePool("gpu", pool_args()))
    assert children(run, find(run, "aiscale:index:GkeGpuNodePool", "gpu")) == [
        ("gcp:container/nodePool:NodePool", "gpu-pool")
    ]
    pool = find(run, "gcp:container/nodePool:NodePool", "gpu-pool")
    assert pool.inputs == {
        "autoscaling": {"locationPolicy": "ANY", "totalMaxNodeCount": 3, "totalMinNodeCount": 0},
        "cluster": "projects/p-unit/locations/europe-west4/clusters/gke-unit",
        "location": "europe-west4",
        "management": {"autoRepair": True, "autoUpgrade": True},
        "name": "l4",
        "nodeConfig": {
            **NODE_CONFIG,
            "diskSizeGb": 200,
            "guestAccelerators": [
                {"count": 1, "gpuDriverInstallationConfig": {"gpuDriverVersion": "DEFAULT"}, "type": "nvidia-l4"}
            ],
            "imageType": "COS_CONTAINERD",
            "labels": {
                "aiscale.io/gpu-count": "1",
                "aiscale.io/gpu-model": "nvidia-l4",
                "aiscale.io/gpu-pool": "l4",
                "aiscale.io/purpose": "serving",
            },
            "machineType": "g2-standard-8",
            "resourceLabels": {"owner": "ml"},
            "serviceAccount": "gke-unit-nodes@p-unit.iam.gserviceaccount.com",
            "spot": False,
            "taints": [{"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "present"}],
        },
        "project": "p-unit",
        "upgradeSettings": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_gpu_pool_of_a_team_carries_the_team_on_nodes_and_vms() -> None:
    run = record_program(lambda: GkeGpuNodePool("gpu", pool_args(team="search")))
    node_config = find(run, "gcp:container/nodePool:NodePool", "gpu-pool").inputs["nodeConfig"]
    # The billing export splits by the VMs' resource label; the scheduler sees the node label.
    assert node_config["resourceLabels"] == {"owner": "ml", "team": "search"}
    assert node_config["labels"] == {
        "aiscale.io/gpu-count": "1",
        "aiscale.io/gpu-model": "nvidia-l4",
        "aiscale.io/gpu-pool": "l4",
        "aiscale.io/purpose": "serving",
        "aiscale.io/team": "search",
    }


def test_gpu_pool_team_must_be_a_team_name() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: GkeGpuNodePool("gpu", pool_args(team="Search Team")))
    assert str(caught.value) == (
        "aiscale:index:GkeGpuNodePool: team: 'Search Team' is not a team name: 2-40 lowercase letters, digits and "
        "dashes, starting with a letter"
    )


def test_gpu_pool_mig_sharing_spot_and_operator_driver() -> None:
    args = pool_args(
        machine_type="a2-highgpu-1g",
        partition_size="1g.5gb",
        sharing="TIME_SHARING",
        max_shared_clients=4,
        spot=True,
        driver="operator",
        purpose="batch",
    )
    run = record_program(lambda: GkeGpuNodePool("gpu", args))
    node_config = find(run, "gcp:container/nodePool:NodePool", "gpu-pool").inputs["nodeConfig"]
    assert node_config["guestAccelerators"] == [
        {
            "count": 1,
            "gpuDriverInstallationConfig": {"gpuDriverVersion": "INSTALLATION_DISABLED"},
            "gpuPartitionSize": "1g.5gb",
            "gpuSharingConfig": {"gpuSharingStrategy": "TIME_SHARING", "maxSharedClientsPerGpu": 4},
            "type": "nvidia-tesla-a100",
        }
    ]
    assert (node_config["spot"], node_config["imageType"]) == (True, "UBUNTU_CONTAINERD")
    assert node_config["labels"]["aiscale.io/purpose"] == "batch"


def test_gpu_pool_alerts_cover_the_pool() -> None:
    args = pool_args(alert_routing=ROUTING, alerts={"idle_hours": 2})
    run = record_program(lambda: GkeGpuNodePool("gpu", args))
    assert children(run, find(run, "aiscale:index:GkeGpuNodePool", "gpu")) == [
        ("gcp:container/nodePool:NodePool", "gpu-pool"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "gpu-alert-at-max"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "gpu-alert-idle"),
    ]
    pool = find(run, "gcp:container/nodePool:NodePool", "gpu-pool")
    nodes = 'monitored_resource="k8s_node",cluster_name="gke-unit",node_name=~"gke-gke-unit-l4-.*"'
    at_max = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "gpu-alert-at-max")
    assert at_max.inputs["conditions"] == [
        {
            "conditionPrometheusQueryLanguage": {
                "duration": "1800s",
                "evaluationInterval": "60s",
                "query": f"count(kubernetes_io:node_cpu_allocatable_cores{{{nodes}}}) >= 3",
            },
            "displayName": "l4 nodes >= 3",
        }
    ]
    idle = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "gpu-alert-idle")
    assert idle.inputs == {
        "alertStrategy": {"autoClose": "1800s"},
        "combiner": "OR",
        "conditions": [
            {
                "conditionPrometheusQueryLanguage": {
                    "duration": "7200s",
                    "evaluationInterval": "60s",
                    "query": f"max(kubernetes_io:node_accelerator_duty_cycle{{{nodes}}}) < 1",
                },
                "displayName": "l4 GPUs idle",
            }
        ],
        "displayName": "GPU pool l4 idle",
        "documentation": {
            "content": "GPU pool l4 has nodes whose GPUs were idle for 2 h: scale it down.\n\n"
            "Runbook: https://runbooks.example.com/aiscale/gpu-pool-idle",
            "links": [{"displayName": "Runbook", "url": "https://runbooks.example.com/aiscale/gpu-pool-idle"}],
            "mimeType": "text/markdown",
            "subject": "GPU pool l4 idle",
        },
        "enabled": True,
        "notificationChannels": ["projects/p-unit/notificationChannels/1"],
        "project": "p-unit",
        "severity": "WARNING",
        "userLabels": {"owner": "ml"},
    }
    # Scoped by query, the alerts cover the pool through an explicit dependency.
    assert pool.urn in at_max.dependencies and pool.urn in idle.dependencies


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"machine_type": "n2-standard-8"}, "machine_type: machine_type 'n2-standard-8' is not a GPU machine type"),
        (
            {"machine_type": "g2-standard-8", "partition_size": "1g.5gb"},
            "gpu_partition_size needs an accelerator with MIG",
        ),
        ({"min_nodes": 4, "max_nodes": 2}, "min_nodes: need 0 <= min_nodes (4) <= max_nodes (2)"),
        ({"driver": "INSTALLATION_DISABLED"}, "driver: 'INSTALLATION_DISABLED' is not one of platform, operator"),
        ({"driver_version": "R535"}, "driver_version: 'R535' is not one of DEFAULT, LATEST"),
        ({"driver": "operator", "driver_version": "LATEST"}, "driver_version: the GPU operator chooses"),
        ({"alerts": {"idle_hours": 2}}, "alerts: thresholds apply with alert_routing"),
        ({"sharing": "TIME_SHARING"}, "max_shared_clients: goes together with sharing"),
        (
            {"machine_type": "a2-highgpu-1g", "partition_size": "1g.5gb", "sharing": "MPS", "max_shared_clients": 2},
            "sharing: MPS cannot be combined with MIG partitions",
        ),
    ],
)
def test_gpu_pool_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: GkeGpuNodePool("gpu", pool_args(**changes)))
    assert message in str(caught.value)

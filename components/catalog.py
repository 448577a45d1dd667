"""Every aiscale component, in one list: what the component provider host serves and the tests walk.

Importing this module imports both clouds' provider SDKs; a stack imports only the components it uses.
"""

import pulumi

from aiscale.components.azure.aks import AksCluster
from aiscale.components.azure.audit_trail import AzureAuditTrail
from aiscale.components.azure.budget import AzureBudget
from aiscale.components.azure.cost_management import AzureCostManagement
from aiscale.components.azure.gpu_node_pool import AksGpuNodePool
from aiscale.components.azure.key_vault import KeyVault
from aiscale.components.azure.ml_workspace import MlWorkspace
from aiscale.components.azure.model_monitor import AzureModelMonitor
from aiscale.components.azure.monitoring import AzureMonitoring
from aiscale.components.azure.network import AzureNetwork
from aiscale.components.azure.online_endpoint import OnlineEndpoint
from aiscale.components.gcp.audit_trail import GcpAuditTrail
from aiscale.components.gcp.budget import GcpBudget
from aiscale.components.gcp.gke_cluster import GkeCluster
from aiscale.components.gcp.gpu_node_pool import GkeGpuNodePool
from aiscale.components.gcp.kms import KmsKeyRing
from aiscale.components.gcp.model_monitor import VertexModelMonitor
from aiscale.components.gcp.monitoring import GcpMonitoring
from aiscale.components.gcp.vertex_endpoint import VertexEndpoint
from aiscale.components.gcp.vpc import GcpNetwork
from aiscale.components.k8s.gpu_stack import GpuStack
from aiscale.components.k8s.inference_workload import InferenceWorkload
from aiscale.components.k8s.keda import Keda
from aiscale.components.k8s.team_namespace import TeamNamespace

COMPONENTS: list[type[pulumi.ComponentResource]] = [
    # Azure
    AzureMonitoring,
    AzureNetwork,
    KeyVault,
    AksCluster,
    AksGpuNodePool,
    MlWorkspace,
    OnlineEndpoint,
    AzureModelMonitor,
    AzureBudget,
    AzureCostManagement,
    AzureAuditTrail,
    # Google Cloud
    GcpMonitoring,
    GcpNetwork,
    KmsKeyRing,
    GkeCluster,
    GkeGpuNodePool,
    VertexEndpoint,
    VertexModelMonitor,
    GcpBudget,
    GcpAuditTrail,
    # Kubernetes, on either cloud's cluster
    GpuStack,
    TeamNamespace,
    Keda,
    InferenceWorkload,
]

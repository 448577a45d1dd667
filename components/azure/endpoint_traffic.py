"""Setting an Azure ML online endpoint's traffic after its deployments exist: a Pulumi dynamic resource.

``OnlineEndpoint`` cannot carry its traffic at creation (the deployments it names do not exist yet), and Azure ML
has no separate traffic resource. This dynamic resource sets live and mirror traffic on the endpoint once the
deployments are in place, so a rollout is a reviewed config change. The azure-ai-ml calls sit behind
:class:`TrafficClient`; offline runs register the resource and call nothing.

Preview-time checks (``check``): the split is valid, and no deployment that currently takes live traffic is
removed in the same change.
"""

from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from aiscale.core import rules

FIELDS = ("traffic", "mirror_traffic")


@dataclass(frozen=True)
class EndpointRef:
    subscription_id: str
    resource_group_name: str
    workspace_name: str
    endpoint_name: str

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group_name}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{self.workspace_name}/onlineEndpoints/{self.endpoint_name}"
        )


class TrafficClient(Protocol):
    def get_traffic(self, endpoint: EndpointRef) -> tuple[dict[str, int], dict[str, int]]: ...

    def set_traffic(self, endpoint: EndpointRef, traffic: dict[str, int], mirror_traffic: dict[str, int]) -> None: ...


class AzureMlTrafficClient:
    """The real client: azure-ai-ml with DefaultAzureCredential (CLI login, workload identity, OIDC in CI)."""

    def __init__(self, timeout_seconds: float = 1800) -> None:
        self.timeout_seconds = timeout_seconds

    def _client(self, endpoint: EndpointRef) -> Any:
        from azure.ai.ml import MLClient  # noqa: PLC0415 - only when deploying for real
        from azure.identity import DefaultAzureCredential  # noqa: PLC0415

        return MLClient(
            DefaultAzureCredential(), endpoint.subscription_id, endpoint.resource_group_name, endpoint.workspace_name
        )

    def get_traffic(self, endpoint: EndpointRef) -> tuple[dict[str, int], dict[str, int]]:
        found = self._client(endpoint).online_endpoints.get(endpoint.endpoint_name)
        return dict(found.traffic or {}), dict(found.mirror_traffic or {})

    def set_traffic(self, endpoint: EndpointRef, traffic: dict[str, int], mirror_traffic: dict[str, int]) -> None:
        client = self._client(endpoint)
        found = client.online_endpoints.get(endpoint.endpoint_name)
        found.traffic = traffic
        found.mirror_traffic = mirror_traffic
        client.online_endpoints.begin_create_or_update(found).result(timeout=self.timeout_seconds)


class TrafficProvider(ResourceProvider):
    """CRUD of an endpoint's traffic. ``client`` is injectable for tests; the real one is created lazily."""

    def __init__(self, client: TrafficClient | None = None) -> None:
        super().__init__()
        self.client = client

    def _active(self) -> TrafficClient:
        return self.client if self.client is not None else AzureMlTrafficClient()

    @staticmethod
    def _ref(props: dict[str, Any]) -> EndpointRef:
        return EndpointRef(
            props["subscription_id"], props["resource_group_name"], props["workspace_name"], props["endpoint_name"]
        )

    @staticmethod
    def _split(props: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
        return (
            {k: int(v) for k, v in (props.get("traffic") or {}).items()},
            {k: int(v) for k, v in (props.get("mirror_traffic") or {}).items()},
        )

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        traffic, mirror = self._split(news)
        deployments = set(news.get("deployments") or [])
        problem = rules.endpoint_traffic_problem(traffic, mirror, deployments)
        if problem:
            failures.append(CheckFailure("traffic", problem))
        current, _ = self._split(olds) if olds else ({}, {})
        problem = rules.removed_deployment_problem(current, deployments)
        if problem:
            failures.append(CheckFailure("deployments", problem))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        identity = ("subscription_id", "resource_group_name", "workspace_name", "endpoint_name")
        replaces = [key for key in identity if olds.get(key) != news.get(key)]
        changes = [
            key for key in FIELDS if self._split(olds)[FIELDS.index(key)] != self._split(news)[FIELDS.index(key)]
        ]
        return DiffResult(changes=bool(replaces or changes), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        ref = self._ref(props)
        traffic, mirror = self._split(props)
        self._active().set_traffic(ref, traffic, mirror)
        return CreateResult(ref.id, {**props})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        traffic, mirror = self._split(news)
        self._active().set_traffic(self._ref(news), traffic, mirror)
        return UpdateResult({**news})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        traffic, mirror = self._active().get_traffic(self._ref(props))
        return ReadResult(id_, {**props, "traffic": traffic, "mirror_traffic": mirror})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # The endpoint's traffic goes with the endpoint; removing only this resource leaves traffic as it is.
        return None


class OnlineEndpointTraffic(pulumi.dynamic.Resource, module="azureml", name="OnlineEndpointTraffic"):
    """Live and mirror traffic of an online endpoint (type ``pulumi-python:dynamic/azureml:OnlineEndpointTraffic``)."""

    def __init__(
        self,
        name: str,
        *,
        subscription_id: pulumi.Input[str],
        resource_group_name: pulumi.Input[str],
        workspace_name: pulumi.Input[str],
        endpoint_name: pulumi.Input[str],
        traffic: dict[str, int],
        mirror_traffic: dict[str, int],
        deployments: list[str],
        opts: pulumi.ResourceOptions | None = None,
        provider: TrafficProvider | None = None,
    ) -> None:
        super().__init__(
            provider or TrafficProvider(),
            name,
            {
                "subscription_id": subscription_id,
                "resource_group_name": resource_group_name,
                "workspace_name": workspace_name,
                "endpoint_name": endpoint_name,
                "traffic": traffic,
                "mirror_traffic": mirror_traffic,
                "deployments": deployments,
            },
            opts,
        )

"""The endpoints of a stack that take part in model delivery, on either cloud, and where they live in the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aiscale.core.config import StackConfig
from aiscale.core.config.azure import OnlineEndpointConfig
from aiscale.core.config.delivery import PromotionConfig, registry_parts
from aiscale.core.config.gcp import VertexEndpointConfig
from aiscale.core.errors import AiscaleError

Cloud = Literal["azure", "gcp"]


class DeliveryError(AiscaleError):
    """A promotion or rollout cannot proceed as asked (exit 2): names the stack file and what to change."""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint with its promotion config, and the keys of its section under ``config:`` in the stack file."""

    cloud: Cloud
    name: str
    spec: OnlineEndpointConfig | VertexEndpointConfig
    path: tuple[str, ...]

    @property
    def promotion(self) -> PromotionConfig:
        assert self.spec.promotion is not None  # only endpoints with a promotion block are ever built
        return self.spec.promotion

    @property
    def model_name(self) -> str:
        return registry_parts(self.promotion.model)[0]

    @property
    def traffic(self) -> dict[str, int]:
        return {name: int(share) for name, share in self.spec.traffic.items()}

    @property
    def mirror(self) -> dict[str, int]:
        return dict(getattr(self.spec, "mirror_traffic", {}) or {})

    def pinned_version(self, deployment: str) -> int | None:
        """The MLflow version a deployment pins, if it pins one of this endpoint's registered model."""
        model = self.spec.deployments[deployment].model
        registry, version = getattr(model, "registry", None), getattr(model, "version", None)
        if registry is None or version is None or registry_parts(registry)[0] != self.model_name:
            return None
        return int(version)

    def live_versions(self) -> set[int]:
        """Versions that take live traffic on this endpoint."""
        versions = {self.pinned_version(name) for name, share in self.traffic.items() if share > 0}
        return {version for version in versions if version is not None}

    def model_path(self, deployment: str) -> tuple[str, ...]:
        return (*self.path, "deployments", deployment, "model")


def delivery_endpoints(config: StackConfig) -> list[Endpoint]:
    """Every endpoint of the stack with a ``promotion`` block, Azure first."""
    found: list[Endpoint] = []
    if config.azure is not None and config.azure.ml is not None:
        for name, spec in config.azure.ml.endpoints.items():
            if spec.promotion is not None:
                found.append(Endpoint("azure", name, spec, ("aiscale:azure", "ml", "endpoints", name)))
    if config.gcp is not None:
        for name, spec in config.gcp.endpoints.items():
            if spec.promotion is not None:
                found.append(Endpoint("gcp", name, spec, ("aiscale:gcp", "endpoints", name)))
    return found


def find_endpoint(config: StackConfig, stack_file: str, name: str, cloud: Cloud | None = None) -> Endpoint:
    matches = [e for e in delivery_endpoints(config) if e.name == name and cloud in (None, e.cloud)]
    if not matches:
        known = sorted({f"{e.cloud}:{e.name}" for e in delivery_endpoints(config)}) or ["none"]
        raise DeliveryError(
            f"{stack_file}: no endpoint {name!r} with a promotion block (endpoints with one: {', '.join(known)})"
        )
    if len(matches) > 1:
        raise DeliveryError(f"{stack_file}: endpoint {name!r} exists on both clouds: pass --cloud azure or --cloud gcp")
    return matches[0]

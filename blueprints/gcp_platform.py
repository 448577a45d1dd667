"""``GcpGpuInferencePlatform``: the Google Cloud side of an aiscale stack, composed step by step from config."""

from __future__ import annotations

import pulumi

from aiscale.components.common.options import child_options
from aiscale.components.gcp.kms import KmsKeyRing
from aiscale.core.config import StackConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:blueprints:GcpGpuInferencePlatform"


class GcpGpuInferencePlatform(pulumi.ComponentResource):
    """Customer-managed keys for the platform, wired to the services that encrypt with them."""

    kms: KmsKeyRing

    def __init__(self, name: str, config: StackConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        if config.gcp is None:
            raise InvalidArgumentError(COMPONENT, "config.gcp", "the stack has no aiscale:gcp section")
        gcp = config.gcp
        protect = config.protect_stateful

        self.kms = KmsKeyRing(
            f"{name}-kms",
            {
                "project": gcp.project,
                "project_number": gcp.project_number,
                "location": gcp.kms.location or gcp.region,
                "key_ring_name": gcp.kms.key_ring,
                "keys": {
                    key_name: {
                        "rotation_days": key.rotation_days,
                        "protection_level": key.protection_level.value,
                        "destroy_scheduled_days": key.destroy_scheduled_days,
                        "service_agents": [agent.value for agent in key.consumers],
                    }
                    for key_name, key in gcp.kms.keys.items()
                },
                "labels": config.resource_labels(),
                "protect": protect,
            },
            opts=child_options(self),
        )

        self.register_outputs({"keyRingId": self.kms.key_ring_id, "keyIds": self.kms.key_ids})

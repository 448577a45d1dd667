"""Platform monitoring on Google Cloud: notification channels, log retention, and the key-tampering alert.

Components route their alerts through :meth:`GcpMonitoring.alert_routing` (the channels plus the runbook base URL),
so every alert reaches the same people and links its runbook. The ``_Default`` log bucket keeps logs for the
environment's retention. A log-based alert fires when anyone disables or schedules the destruction of a Cloud KMS
key version of the project: CMEK-encrypted clusters, disks and endpoints stop working when their key goes.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import logging, monitoring

from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs, alert_policy
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("GcpMonitoring")
PREVIOUS_TYPE = "aiscale:gcp:Monitoring"
#: Admin activity audit log entries that take a key version out of service.
KMS_TAMPERING_FILTER = (
    'protoPayload.serviceName="cloudkms.googleapis.com" AND ('
    'protoPayload.methodName="DestroyCryptoKeyVersion" OR '
    '(protoPayload.methodName="UpdateCryptoKeyVersion" AND protoPayload.request.cryptoKeyVersion.state="DISABLED")'
    ")"
)


class GcpMonitoringArgs(TypedDict):
    """Arguments of :class:`GcpMonitoring`."""

    project: pulumi.Input[str]
    """Google Cloud project id."""
    alert_emails: Sequence[str]
    """Addresses every alert is mailed to (one e-mail notification channel each)."""
    runbook_base_url: str
    """``https://`` base of the runbooks: each alert links ``<runbook_base_url>/<alert kind>``."""
    log_retention_days: int
    """Retention of the ``_Default`` log bucket, 1-3650 days."""
    webhook_url: NotRequired[pulumi.Input[str]]
    """Secret incoming-webhook URL (chat or paging); kept a Pulumi secret."""
    labels: NotRequired[Labels]
    """Labels of the notification channels and the alert policy."""


def _validate(args: GcpMonitoringArgs) -> None:
    if not 1 <= args["log_retention_days"] <= 3650:
        raise InvalidArgumentError(COMPONENT, "log_retention_days", f"{args['log_retention_days']} is outside 1-3650")
    if not args["alert_emails"]:
        raise InvalidArgumentError(COMPONENT, "alert_emails", "at least one address")
    if not args["runbook_base_url"].startswith("https://"):
        raise InvalidArgumentError(COMPONENT, "runbook_base_url", "must be an https:// URL")
    gcp_labels(COMPONENT, args.get("labels"))


class GcpMonitoring(pulumi.ComponentResource):
    """Platform monitoring on Google Cloud: notification channels, log retention and the key-tampering alert.

    Children: ``<name>-email-<n>``, ``<name>-webhook``, ``<name>-log-retention``,
    ``<name>-alert-kms-key-tampering``.
    """

    notification_channel_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: GcpMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        project = args["project"]
        labels = dict(args.get("labels", {}))
        self.runbook_base_url = args["runbook_base_url"].rstrip("/")

        channels = [
            monitoring.NotificationChannel(
                f"{name}-email-{index}",
                project=project,
                display_name=f"aiscale alerts: {address}",
                type="email",
                labels={"email_address": address},
                user_labels=labels,
                opts=child_options(self),
            )
            for index, address in enumerate(args["alert_emails"])
        ]
        webhook = args.get("webhook_url")
        if webhook is not None:
            channels.append(
                monitoring.NotificationChannel(
                    f"{name}-webhook",
                    project=project,
                    display_name="aiscale alerts: webhook",
                    type="webhook_tokenauth",
                    labels={"url": pulumi.Output.secret(webhook)},
                    user_labels=labels,
                    opts=child_options(self),
                )
            )
        self.notification_channel_ids = [channel.id for channel in channels]

        logging.ProjectBucketConfig(
            f"{name}-log-retention",
            project=project,
            location="global",
            bucket_id="_Default",
            retention_days=args["log_retention_days"],
            opts=child_options(self),
        )
        alert_policy(
            name,
            alert="kms-key-tampering",
            runbook_page="kms-key-tampering",
            display_name="Cloud KMS key version disabled or scheduled for destruction",
            summary=(
                "A key version of the project was disabled or scheduled for destruction. Everything encrypted with "
                "it (GKE secrets, node disks, Vertex AI endpoints) stops working when it goes: confirm the change "
                "was intended, or restore the version before its destruction date."
            ),
            condition=monitoring.AlertPolicyConditionArgs(
                display_name="KMS key version disabled or destroyed",
                condition_matched_log=monitoring.AlertPolicyConditionConditionMatchedLogArgs(
                    filter=KMS_TAMPERING_FILTER
                ),
            ),
            severity="CRITICAL",
            project=project,
            args=self.alert_routing(),
            watched=[],
            labels=labels,
            parent=self,
            # Log-based alerts must limit how often they notify.
            rate_limit_seconds=300,
        )
        self.register_outputs({"notificationChannelIds": self.notification_channel_ids})

    def alert_routing(self) -> GcpAlertRoutingArgs:
        """The alert routing every Google Cloud component's ``alert_routing`` argument takes."""
        return {"notification_channels": list(self.notification_channel_ids), "runbook_base_url": self.runbook_base_url}

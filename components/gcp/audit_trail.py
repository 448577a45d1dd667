"""The project's audit trail: Data Access audit logs turned on, every Cloud Audit Log kept in a bucket of its own.

- Data Access audit logs (who read or wrote data: predictions, objects, cluster data) of the ``services`` given,
  with the log types of ``diagnostics``, through the diagnostics interface. Cloud KMS is not among them: the key
  ring owns its service's audit config (``KmsKeyRing`` ``diagnostics``), and a project holds one per service.
- A log bucket in the stack's region with its own retention, encrypted with the customer key when given and
  ``locked`` when asked: a locked bucket's retention can never be shortened and it can be deleted only once empty,
  so nobody, whatever their role, rewrites the trail before it expires.
- A sink routing every Cloud Audit Log (Admin Activity, Data Access, System Event, Policy Denied) of the project
  into the bucket, and the delivery log (``aiscale promote`` / ``aiscale rollout`` decisions shipped by CI) too.
- With ``alert_routing``: an alert when anyone changes the project's audit configs or changes or deletes a sink,
  bucket or exclusion (turning the trail off), linking its runbook.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import logging, monitoring

from aiscale.components.common.customer_managed_key import GcpCustomerManagedKeyArgs
from aiscale.components.common.defaults import declare
from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs, alert_policy
from aiscale.components.common.gcp_diagnostics import GcpDiagnosticsArgs, audit_logs, check_diagnostics
from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("GcpAuditTrail")
#: Services whose Data Access audit logs this component may turn on, by their short name.
SERVICES = {
    "aiplatform": "aiplatform.googleapis.com",
    "container": "container.googleapis.com",
    "storage": "storage.googleapis.com",
}
#: The log CI writes delivery decisions to (``gcloud logging write aiscale-delivery ...``).
DELIVERY_LOG = "aiscale-delivery"
#: Changes that weaken the trail: audit configs of the project, and the sinks, buckets and exclusions routing it.
TAMPERING_FILTER = (
    '(protoPayload.methodName="SetIamPolicy" AND protoPayload.serviceData.policyDelta.auditConfigDeltas:*) OR '
    '(protoPayload.serviceName="logging.googleapis.com" AND protoPayload.methodName=~'
    '"^google\\.logging\\.v2\\.ConfigServiceV2\\.(UpdateSink|DeleteSink|UpdateBucket|DeleteBucket|CreateExclusion|'
    'UpdateExclusion)$")'
)


class GcpAuditTrailArgs(TypedDict):
    """Arguments of :class:`GcpAuditTrail`."""

    project: str
    """Project whose audit logs are turned on and routed."""
    location: str
    """Region of the log bucket (the customer key must be there too)."""
    bucket_id: str
    """Id of the audit log bucket (``aiscale-audit``)."""
    retention_days: int
    """Days the bucket keeps entries, 1-3650."""
    locked: NotRequired[bool]
    """Lock the bucket (irreversible: its retention can never be shortened)."""
    services: NotRequired[Sequence[str]]
    """Services whose Data Access audit logs are turned on: ``aiplatform``, ``container``, ``storage`` (Cloud KMS's
    belong to the key ring, ``KmsKeyRing``)."""
    diagnostics: NotRequired[GcpDiagnosticsArgs]
    """Log types of the Data Access audit logs (default ``DATA_READ`` and ``DATA_WRITE``)."""
    customer_managed_key: NotRequired[GcpCustomerManagedKeyArgs]
    """Encrypt the bucket with this key (the Cloud Logging service agent needs the key role first)."""
    alert_routing: NotRequired[GcpAlertRoutingArgs]
    """Alert on audit config, sink and bucket changes."""
    labels: NotRequired[Labels]
    """Labels of the alert policy."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the bucket and the sink."""


# The stack file's services include cloudkms (the key ring's); this component's are the others.
DEFAULTS = declare(GcpAuditTrailArgs, locked=False, services=sorted(SERVICES))


def _validate(args: GcpAuditTrailArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    unknown = sorted(set(args.get("services", DEFAULTS["services"])) - set(SERVICES))
    if unknown:
        fail("services", f"{unknown} are not among {', '.join(SERVICES)} (Cloud KMS: the key ring's diagnostics)")
    if not 1 <= args["retention_days"] <= 3650:
        fail("retention_days", f"{args['retention_days']} is outside 1-3650")
    if args["location"] == "global" and "customer_managed_key" in args:
        fail("location", "a CMEK log bucket needs a region (its key's)")
    if args.get("locked", DEFAULTS["locked"]) and not args.get("protect", False):
        fail("locked", "a locked bucket cannot be deleted while it holds entries: protect it too")
    check_diagnostics(COMPONENT, args.get("diagnostics"))
    gcp_labels(COMPONENT, args.get("labels"))


class GcpAuditTrail(pulumi.ComponentResource):
    """``<name>-<service>-audit-logs``, ``<name>-bucket``, ``<name>-sink``, ``<name>-alert-audit-config-changed``."""

    bucket: logging.ProjectBucketConfig
    sink: logging.ProjectSink
    bucket_name: pulumi.Output[str]
    """``projects/<p>/locations/<l>/buckets/<id>``: where the trail is read."""
    sink_writer_identity: pulumi.Output[str]

    def __init__(self, name: str, args: GcpAuditTrailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        project, protect = args["project"], args.get("protect", False)
        diagnostics: GcpDiagnosticsArgs = args.get("diagnostics", {})
        for service in args.get("services", DEFAULTS["services"]):
            audit_logs(f"{name}-{service}", project=project, service=SERVICES[service], args=diagnostics, parent=self)

        key = args.get("customer_managed_key")
        self.bucket = logging.ProjectBucketConfig(
            f"{name}-bucket",
            project=project,
            location=args["location"],
            bucket_id=args["bucket_id"],
            description="aiscale audit trail: Cloud Audit Logs and delivery decisions",
            retention_days=args["retention_days"],
            locked=args.get("locked", DEFAULTS["locked"]),
            cmek_settings=logging.ProjectBucketConfigCmekSettingsArgs(kms_key_name=key["key_id"])
            if key is not None
            else None,
            opts=child_options(self, protect=protect),
        )
        path = f"projects/{project}/locations/{args['location']}/buckets/{args['bucket_id']}"
        self.sink = logging.ProjectSink(
            f"{name}-sink",
            name=f"{args['bucket_id']}-sink",
            project=project,
            description="Every Cloud Audit Log and the delivery decisions, into the audit bucket",
            destination=after(self.bucket, f"logging.googleapis.com/{path}"),
            filter=f'logName:"cloudaudit.googleapis.com" OR logName="projects/{project}/logs/{DELIVERY_LOG}"',
            unique_writer_identity=True,
            opts=child_options(self, protect=protect),
        )
        if "alert_routing" in args:
            alert_policy(
                name,
                alert="audit-config-changed",
                runbook_page="audit-config-changed",
                display_name="Audit configuration or log routing changed",
                summary=(
                    "Someone changed the project's Data Access audit configs, or changed or deleted a log sink, bucket "
                    "or exclusion: audit logs may have stopped reaching the audit bucket. Confirm the change was "
                    "intended (`pulumi preview` shows drift), or restore it with `pulumi up`."
                ),
                condition=monitoring.AlertPolicyConditionArgs(
                    display_name="Audit config, sink or bucket changed",
                    condition_matched_log=monitoring.AlertPolicyConditionConditionMatchedLogArgs(
                        filter=TAMPERING_FILTER
                    ),
                ),
                severity="CRITICAL",
                project=project,
                args=args["alert_routing"],
                watched=[self.sink],
                labels=args.get("labels"),
                parent=self,
                # Log-based alerts must limit how often they notify.
                rate_limit_seconds=300,
            )

        self.bucket_name = after(self.bucket, path)
        self.sink_writer_identity = self.sink.writer_identity
        self.register_outputs({"bucketName": self.bucket_name, "sinkWriterIdentity": self.sink_writer_identity})

"""The diagnostics interface on Google Cloud: Data Access audit logs of the service a component manages.

Google Cloud writes Admin Activity audit logs (who changed what) and resource logs to Cloud Logging by itself, so
the Azure diagnostic setting has no counterpart for them. What is off by default are Data Access audit logs: who
read or used the data (for Cloud KMS, every encrypt and decrypt with a key). A component whose data access must
be auditable takes ``diagnostics: GcpDiagnosticsArgs`` and enables them for its service in its project with
:func:`audit_logs`. The project's audit config holds one entry per service, so one component per service and
project enables them (the blueprint's key ring for Cloud KMS).
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import projects

from aiscale.components.common.options import child_options
from aiscale.core.errors import InvalidArgumentError

LOG_TYPES = ("DATA_READ", "DATA_WRITE", "ADMIN_READ")


class GcpDiagnosticsArgs(TypedDict):
    """Which Data Access audit logs a component's service writes to Cloud Logging."""

    log_types: NotRequired[Sequence[str]]
    """``DATA_READ`` and ``DATA_WRITE`` (the default) and/or ``ADMIN_READ``."""
    exempted_members: NotRequired[Sequence[str]]
    """Principals whose access is not logged (``serviceAccount:...``), e.g. a high-volume batch identity."""


def audit_logs(
    name: str, *, project: pulumi.Input[str], service: str, args: GcpDiagnosticsArgs, parent: pulumi.Resource
) -> projects.IAMAuditConfig:
    """``<name>-audit-logs``: Data Access audit logs of ``service`` (``cloudkms.googleapis.com``) in ``project``."""
    exempted = list(args.get("exempted_members", []))
    return projects.IAMAuditConfig(
        f"{name}-audit-logs",
        project=project,
        service=service,
        audit_log_configs=[
            projects.IAMAuditConfigAuditLogConfigArgs(log_type=log_type, exempted_members=exempted or None)
            for log_type in args.get("log_types", ("DATA_READ", "DATA_WRITE"))
        ],
        opts=child_options(parent),
    )


def check_diagnostics(component: str, args: GcpDiagnosticsArgs | None) -> None:
    """Refuse log types Cloud Audit Logs does not have."""
    types = list((args or {}).get("log_types", []))
    unknown = sorted(set(types) - set(LOG_TYPES))
    if unknown:
        raise InvalidArgumentError(
            component, "diagnostics.log_types", f"{unknown} are not among {', '.join(LOG_TYPES)}"
        )
    if args is not None and "log_types" in args and not types:
        raise InvalidArgumentError(component, "diagnostics.log_types", "give at least one, or leave diagnostics out")

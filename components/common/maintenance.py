"""The weekly maintenance window of a Kubernetes cluster (UTC), the same shape on AKS and GKE."""

from typing import TypedDict

from aiscale.core.errors import InvalidArgumentError

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class MaintenanceWindowArgs(TypedDict):
    """When Kubernetes and node image upgrades may run."""

    day_of_week: str
    """``Monday`` ... ``Sunday``."""
    start_hour: int
    """Hour of the day (UTC) the window opens, 0-23."""
    duration_hours: int
    """4-24 hours: both AKS and GKE need at least four hours of maintenance a week."""


def check_maintenance_window(component: str, window: MaintenanceWindowArgs | None) -> None:
    """Refuse a window either cloud rejects."""
    if window is None:
        return
    if window["day_of_week"] not in DAYS:
        raise InvalidArgumentError(
            component, "maintenance_window.day_of_week", f"{window['day_of_week']!r} is not one of {', '.join(DAYS)}"
        )
    if not 0 <= window["start_hour"] <= 23:
        raise InvalidArgumentError(component, "maintenance_window.start_hour", "must be 0 to 23")
    if not 4 <= window["duration_hours"] <= 24:
        raise InvalidArgumentError(component, "maintenance_window.duration_hours", "must be 4 to 24 hours")

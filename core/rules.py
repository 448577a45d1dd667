"""Pure rules shared by the config models, the components and the policy pack.

A rule is written once here and called from every layer that enforces it, so a stack config, a component
argument and a CrossGuard policy can never disagree about it. No Pulumi imports: these run anywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

SECONDS_PER_DAY = 86_400

#: CIS GCP 1.10 / CKV_GCP_43 / Azure CMK guidance: symmetric keys rotate at least every 90 days.
MAX_KEY_ROTATION_DAYS = 90

ENVIRONMENTS = ("dev", "staging", "prod")


def not_blank(value: str) -> str:
    """Required text must say something: only whitespace is as good as nothing."""
    if not value.strip():
        raise ValueError("must not be blank (only whitespace)")
    return value


def key_rotation_problem(rotation_days: float | None, max_days: float = MAX_KEY_ROTATION_DAYS) -> str | None:
    """Why a key rotation interval is not acceptable, or None when it is.

    ``None`` means "no rotation configured", which is itself a finding.
    """
    if rotation_days is None:
        return "no automatic rotation is configured"
    if rotation_days < 1:
        return f"rotation every {rotation_days:g} days is below the 1-day minimum"
    if rotation_days > max_days:
        return f"rotation every {rotation_days:g} days exceeds the maximum of {max_days:g} days"
    return None


def gcp_rotation_period(days: int) -> str:
    """Cloud KMS ``rotation_period`` for a number of days (the API takes seconds with an ``s`` suffix)."""
    return f"{days * SECONDS_PER_DAY}s"


def parse_gcp_duration_days(value: str) -> float | None:
    """Days in a Cloud KMS duration such as ``"7776000s"``; None when the value is not a duration."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)s", value.strip())
    return float(match.group(1)) / SECONDS_PER_DAY if match else None


def iso_days(days: int) -> str:
    """ISO 8601 duration in days, as Key Vault rotation policies expect (``P90D``)."""
    return f"P{days}D"


def azure_key_lifetime_problem(
    rotate_after_days: int, expire_after_days: int, notify_before_expiry_days: int
) -> str | None:
    """A Key Vault rotation policy must rotate a version before it expires and notify before that."""
    if rotate_after_days >= expire_after_days:
        return (
            f"rotate_after_days ({rotate_after_days}) must be less than expire_after_days ({expire_after_days}), "
            "or key versions expire before they are rotated"
        )
    if notify_before_expiry_days >= expire_after_days:
        return (
            f"notify_before_expiry_days ({notify_before_expiry_days}) must be less than "
            f"expire_after_days ({expire_after_days})"
        )
    return None


_KEY_VAULT_NAME = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")


def key_vault_name_problem(name: str) -> str | None:
    """Key Vault names are global: 3-24 characters, letters, digits and single hyphens, starting with a letter."""
    if _KEY_VAULT_NAME.fullmatch(name):
        return None
    return (
        "must be 3-24 characters of letters, digits and hyphens, start with a letter, end with a letter or digit "
        "and contain no consecutive hyphens"
    )


# --- Tags and labels -----------------------------------------------------------------------------------------

#: Tags every resource carries; the policy pack requires them (owner, cost centre, environment).
REQUIRED_TAG_KEYS = ("owner", "cost-center", "environment")

GCP_LABEL_MAX_LENGTH = 63
GCP_LABEL_MAX_COUNT = 64
_GCP_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_GCP_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")


AZURE_TAG_MAX_COUNT = 50
AZURE_TAG_NAME_MAX_LENGTH = 512
AZURE_TAG_VALUE_MAX_LENGTH = 256
_AZURE_TAG_NAME_FORBIDDEN = re.compile(r"[<>%&\\?/]")


def azure_tag_problems(tags: Mapping[str, str]) -> list[str]:
    """Every reason Azure would reject a tag map: at most 50 tags, names up to 512 characters without
    ``< > % & \\ ? /``, values up to 256 characters."""
    problems = [
        f"tag name {name!r} is longer than {AZURE_TAG_NAME_MAX_LENGTH} characters or contains one of < > % & \\ ? /"
        for name in tags
        if not name or len(name) > AZURE_TAG_NAME_MAX_LENGTH or _AZURE_TAG_NAME_FORBIDDEN.search(name)
    ]
    problems += [
        f"tag {name!r} has a value longer than {AZURE_TAG_VALUE_MAX_LENGTH} characters"
        for name, value in tags.items()
        if len(value) > AZURE_TAG_VALUE_MAX_LENGTH
    ]
    if len(tags) > AZURE_TAG_MAX_COUNT:
        problems.append(f"{len(tags)} tags exceed the Azure maximum of {AZURE_TAG_MAX_COUNT} per resource")
    return problems


def gcp_label_value(value: str) -> str:
    """A tag value made acceptable as a GCP label value: lowercase, ``[a-z0-9_-]``, at most 63 characters."""
    cleaned = re.sub(r"[^a-z0-9_-]", "_", value.lower())
    return cleaned[:GCP_LABEL_MAX_LENGTH]


def gcp_labels(tags: Mapping[str, str]) -> dict[str, str]:
    """Convert Azure-style tags to GCP labels, refusing keys that cannot be labels or that collide."""
    labels: dict[str, str] = {}
    for key, value in tags.items():
        label_key = key.lower()
        if not _GCP_LABEL_KEY.fullmatch(label_key):
            raise ValueError(
                f"tag {key!r} cannot be a GCP label key: start with a letter; use lowercase letters, digits, "
                "'_' and '-'; at most 63 characters"
            )
        if label_key in labels:
            raise ValueError(f"tags {key!r} and another tag map to the same GCP label key {label_key!r}")
        labels[label_key] = gcp_label_value(value)
    if len(labels) > GCP_LABEL_MAX_COUNT:
        raise ValueError(f"{len(labels)} labels exceed the GCP maximum of {GCP_LABEL_MAX_COUNT} per resource")
    return labels


def gcp_label_problems(labels: Mapping[str, str]) -> list[str]:
    """Every reason a label map would be rejected by GCP (used by the policy pack on raw resources)."""
    problems = [f"label key {k!r} is not a valid GCP label key" for k in labels if not _GCP_LABEL_KEY.fullmatch(k)]
    problems += [
        f"label {k!r} has value {v!r}, which is not a valid GCP label value"
        for k, v in labels.items()
        if not isinstance(v, str) or not _GCP_LABEL_VALUE.fullmatch(v)
    ]
    if len(labels) > GCP_LABEL_MAX_COUNT:
        problems.append(f"{len(labels)} labels exceed the maximum of {GCP_LABEL_MAX_COUNT}")
    return problems


_KUBERNETES_NAME = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$")
_KUBERNETES_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")


def kubernetes_label_problems(labels: Mapping[str, str]) -> list[str]:
    """Every reason the Kubernetes API would reject a label map: ``[prefix/]name`` keys (name up to 63
    characters, prefix a DNS subdomain up to 253) and values up to 63 characters of ``[A-Za-z0-9_.-]``."""
    problems = []
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if not name or not _KUBERNETES_NAME.fullmatch(name) or (prefix and not _KUBERNETES_PREFIX.fullmatch(prefix)):
            problems.append(f"label key {key!r} is not a Kubernetes label key ([prefix/]name)")
        if not isinstance(value, str) or not _KUBERNETES_NAME.fullmatch(value):
            problems.append(f"label {key!r} has value {value!r}, which is not a Kubernetes label value")
    return problems


def missing_required_tags(tags: Mapping[str, str] | None) -> list[str]:
    """Required tag keys that are absent or empty (an absent tag map misses all of them)."""
    present = tags or {}
    return [key for key in REQUIRED_TAG_KEYS if not str(present.get(key, "")).strip()]


# --- Kubernetes control planes ----------------------------------------------------------------------------


def control_plane_problems(
    private: bool, authorized_ranges: list[str], *, ranges_need_public: bool
) -> list[tuple[str, str]]:
    """(field, problem) for every way a control plane's exposure is unsafe or invalid.

    Never the whole internet; a public control plane only with authorized ranges. ``ranges_need_public``: the
    cloud applies authorized ranges to a public endpoint only (AKS), rather than to both (GKE).
    """
    problems = []
    if any(cidr.strip().endswith("/0") for cidr in authorized_ranges):
        problems.append(("authorized_ranges", "must not contain 0.0.0.0/0 (the whole internet)"))
    if not private and not authorized_ranges:
        problems.append(("authorized_ranges", "a public control plane needs them (it would be open to the internet)"))
    if private and authorized_ranges and ranges_need_public:
        problems.append(
            ("authorized_ranges", "apply to a public control plane only; remove them or set private: false")
        )
    return problems


# --- IAM ---------------------------------------------------------------------------------------------------

PUBLIC_GCP_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def public_member_problem(member: str) -> str | None:
    """GCP IAM members that make a resource public (CKV_GCP_112 for keys)."""
    if member in PUBLIC_GCP_MEMBERS:
        return f"{member!r} would make the resource public"
    return None


# --- Model endpoints ---------------------------------------------------------------------------------------

MAX_MIRROR_TRAFFIC_PERCENT = 50


def endpoint_traffic_problem(
    traffic: dict[str, int], mirror_traffic: dict[str, int], deployments: set[str]
) -> str | None:
    """Why an endpoint's traffic split is not acceptable (Azure ML and Vertex AI rules alike), or None."""
    unknown = sorted((set(traffic) | set(mirror_traffic)) - deployments)
    if unknown:
        return f"traffic names deployments {unknown} that are not in deployments {sorted(deployments)}"
    out_of_range = sorted(name for name, share in {**traffic, **mirror_traffic}.items() if not 0 <= share <= 100)
    if out_of_range:
        return f"traffic shares of {out_of_range} must be between 0 and 100"
    total = sum(traffic.values())
    if total != 100:
        return f"traffic sums to {total}; live traffic must sum to 100"
    mirrored = sum(mirror_traffic.values())
    if mirrored > MAX_MIRROR_TRAFFIC_PERCENT:
        return f"mirror_traffic sums to {mirrored}; at most {MAX_MIRROR_TRAFFIC_PERCENT} may be mirrored"
    both = sorted(name for name, share in mirror_traffic.items() if share > 0 and traffic.get(name, 0) > 0)
    if both:
        return f"deployments {both} take live traffic and cannot also receive mirror traffic"
    return None


def slo_problems(latency_p95_ms: float, latency_p99_ms: float, error_rate_percent: float) -> list[tuple[str, str]]:
    """(field, problem) for an endpoint SLO that cannot hold: p99 below p95, an error share outside (0, 100]."""
    problems = []
    if latency_p99_ms < latency_p95_ms:
        problems.append(
            ("latency_p99_ms", f"({latency_p99_ms:g}) must be at least latency_p95_ms ({latency_p95_ms:g})")
        )
    if not 0 < error_rate_percent <= 100:
        problems.append(("error_rate_percent", f"({error_rate_percent:g}) must be above 0 and at most 100"))
    return problems


def removed_deployment_problem(current_traffic: Mapping[str, float], deployments: set[str]) -> str | None:
    """A deployment that still takes live traffic cannot be removed in the same change."""
    serving = sorted(name for name, share in current_traffic.items() if share > 0 and name not in deployments)
    if serving:
        return (
            f"deployments {serving} still take live traffic and cannot be removed in the same change: "
            "move their traffic to other deployments first, then remove them in a later change"
        )
    return None


# --- Model promotion ---------------------------------------------------------------------------------------


def promotion_problem(promotion: Any, deployments: Mapping[str, Any], *, mirror: bool = True) -> str | None:
    """Why an endpoint's promotion config does not fit its deployments (both clouds), or None.

    ``deployments`` maps names to deployment configs whose ``model`` is a registered model (with ``registry``)
    or something else; ``mirror`` says whether the platform can mirror traffic.
    """
    for role in ("stable", "candidate"):
        name = getattr(promotion, role)
        if name not in deployments:
            return f"{role} {name!r} is not one of the deployments {sorted(deployments)}"
    candidate_model = getattr(deployments[promotion.candidate], "model", None)
    registry = getattr(candidate_model, "registry", None)
    if registry is None:
        return f"the candidate deployment {promotion.candidate!r} must pin a registry model (registry and version)"
    if registry.split("@")[0] != promotion.model.split("@")[0]:
        return f"the candidate pins {registry}, not a version of {promotion.model}"
    if not mirror and promotion.rollout.strategy != "canary":
        return f"strategy {promotion.rollout.strategy} needs mirrored traffic, which this platform has not: use canary"
    return None


def vertex_endpoint_id(project: str, region: str, endpoint_name: str) -> str:
    """The numeric id the stack gives a Vertex endpoint (Vertex requires 1-10 digits, no leading zero), derived
    from its name: the component creates the endpoint with it, the rollout reads the endpoint's metrics by it."""
    digest = int(hashlib.sha256(f"{project}/{region}/{endpoint_name}".encode()).hexdigest(), 16)
    return str(1_000_000_000 + digest % 9_000_000_000)


# --- Data residency ----------------------------------------------------------------------------------------

#: Where a resource holds no data in a region of its own: Azure's ``global`` (action groups, metric and activity
#: log alerts, private DNS zones) and Google Cloud's ``global`` (IAM, the ``_Default`` log bucket of a project).
GLOBAL_LOCATIONS = ("global",)
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+[0-9]+)-[a-z]$")
#: A Google Cloud parent path (``projects/p/locations/europe-west4``), as some APIs take the location.
_GCP_LOCATION_PATH = re.compile(r"^projects/[^/]+/locations/([^/]+)$")


def normalise_location(location: str) -> str:
    """One spelling per place: lowercase, no spaces (Azure ``West Europe`` is ``westeurope``), a Google Cloud zone
    as its region (``europe-west4-a`` is ``europe-west4``), a location path as its location
    (``projects/p/locations/europe-west4``). Multi-regions (``EU``) stay themselves, lowercased."""
    text = location.strip().lower().replace(" ", "")
    path = _GCP_LOCATION_PATH.fullmatch(text)
    text = path.group(1) if path else text
    zone = _GCP_ZONE.fullmatch(text)
    return zone.group(1) if zone else text


def location_allowed(location: str, allowed: list[str], *, allow_global: bool = True) -> bool:
    """Whether ``location`` is one of ``allowed`` (the data residency rule of the config and the policy pack);
    an empty list allows everywhere, ``global`` is allowed unless ``allow_global`` is off."""
    if not allowed:
        return True
    place = normalise_location(location)
    if place in GLOBAL_LOCATIONS and allow_global:
        return True
    return place in {normalise_location(entry) for entry in allowed}


def residency_problems(placed: Mapping[str, str], allowed: list[str]) -> list[tuple[str, str]]:
    """(field, problem) for each configured location (by its config field) outside ``allowed``."""
    return [
        (field, f"{location!r} is outside allowed_locations {allowed}")
        for field, location in placed.items()
        if not location_allowed(location, allowed)
    ]


# --- Irreversible protection -------------------------------------------------------------------------------

IRREVERSIBLE_AUDIT_LOCK = (
    "locking the audit store cannot be undone: a locked Cloud Logging bucket can never be unlocked, its retention "
    "never shortened and it can be deleted only once empty; a time-based retention (WORM) policy keeps every blob "
    "for its period, and a CanNotDelete lock must be removed by an Owner before anything goes"
)


def irreversible_lock_problem(locked: bool, protected: bool) -> str | None:
    """A locked audit store must also be protected: Pulumi must never try to delete what cannot be deleted."""
    if locked and not protected:
        return f"locked needs protect_stateful: true ({IRREVERSIBLE_AUDIT_LOCK})"
    return None


# --- Cost attribution --------------------------------------------------------------------------------------

#: AKS tiers that offer cost analysis (the Free tier does not).
COST_ANALYSIS_TIERS = ("Standard", "Premium")


#: A team's name: its namespace on the cluster and the value of its ``team`` tag, resource label and node label,
#: so it must be valid as all of them.
TEAM_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$"


def team_name_problem(name: str) -> str | None:
    """A team name Kubernetes, Azure and Google Cloud all accept as a namespace, tag and label value."""
    if re.fullmatch(TEAM_NAME_PATTERN, name):
        return None
    return f"{name!r} is not a team name: 2-40 lowercase letters, digits and dashes, starting with a letter"


def cost_analysis_problem(enabled: bool, tier: str) -> str | None:
    """AKS cost analysis runs on the Standard and Premium tiers only."""
    if enabled and tier not in COST_ANALYSIS_TIERS:
        return f"AKS cost analysis needs tier Standard or Premium (tier is {tier}): set tier: Standard, or turn it off"
    return None

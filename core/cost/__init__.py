"""Offline cost estimates: a price table with sources, and floor / ceiling / expected monthly cost per resource."""

from aiscale.core.cost.estimate import (
    EXPECTED_LABEL,
    HOURS_PER_MONTH,
    PRICED_TYPES,
    REQUEST_RATE_INPUT,
    REQUEST_RATE_TAG,
    PredictionCost,
    ResourceCost,
    StackEstimate,
    Unpriced,
    cloud_of,
    estimate,
)
from aiscale.core.cost.prices import (
    PriceRow,
    PriceTable,
    PriceTableError,
    Rejected,
    load_prices,
    parse_catalog,
    parse_prices,
    sane,
)
from aiscale.core.cost.records import CostRecord, from_registrations

__all__ = [
    "EXPECTED_LABEL",
    "HOURS_PER_MONTH",
    "PRICED_TYPES",
    "REQUEST_RATE_INPUT",
    "REQUEST_RATE_TAG",
    "CostRecord",
    "PredictionCost",
    "PriceRow",
    "PriceTable",
    "PriceTableError",
    "Rejected",
    "ResourceCost",
    "StackEstimate",
    "Unpriced",
    "cloud_of",
    "estimate",
    "from_registrations",
    "load_prices",
    "parse_catalog",
    "parse_prices",
    "sane",
]

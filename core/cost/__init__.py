"""Offline cost estimates: a price table with sources, and floor / ceiling / expected monthly cost per resource."""

from aiscale.core.cost.estimate import (
    EXPECTED_LABEL,
    HOURS_PER_MONTH,
    PRICED_TYPES,
    ResourceCost,
    StackEstimate,
    Unpriced,
    cloud_of,
    estimate,
)
from aiscale.core.cost.prices import PriceRow, PriceTable, PriceTableError, load_prices, parse_prices
from aiscale.core.cost.records import CostRecord, from_registrations

__all__ = [
    "EXPECTED_LABEL",
    "HOURS_PER_MONTH",
    "PRICED_TYPES",
    "CostRecord",
    "PriceRow",
    "PriceTable",
    "PriceTableError",
    "ResourceCost",
    "StackEstimate",
    "Unpriced",
    "cloud_of",
    "estimate",
    "from_registrations",
    "load_prices",
    "parse_prices",
]

"""The price table (``aiscale/core/data/prices.yaml``): loading, validation and look-up.

A price is only ever a row someone read from a named source on a named date. A look-up that finds no row returns
None and the estimator reports the resource as unpriced, quoting the table's ``gaps`` reason for that kind.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from aiscale.core.errors import AiscaleError

DEFAULT_FILE = "aiscale/core/data/prices.yaml"
Unit = Literal["hour", "GiB"]
_UNITS: tuple[Unit, ...] = ("hour", "GiB")
_REQUIRED = ("id", "kind", "sku", "region", "currency", "unit", "price", "source", "read")
_OPTIONAL = ("free_units_per_month", "note")


class PriceTableError(AiscaleError):
    """The price table does not validate; names the file and the field."""


@dataclass(frozen=True)
class PriceRow:
    id: str
    kind: str
    sku: str
    region: str
    currency: str
    unit: Unit
    price: float
    source: str
    read: datetime.date
    free_units_per_month: float = 0.0
    note: str = ""


@dataclass(frozen=True)
class PriceTable:
    rows: tuple[PriceRow, ...]
    gaps: Mapping[str, str] = field(default_factory=dict)
    """Why a kind has no row, quoted in the reason of each resource that needs one."""
    file: str = DEFAULT_FILE

    @property
    def currency(self) -> str | None:
        return self.rows[0].currency if self.rows else None

    def find(self, kind: str, sku: str, region: str | None) -> PriceRow | None:
        """The row for ``sku`` of ``kind`` in ``region`` (a ``global`` row serves every region)."""
        for wanted in (region, "global"):
            for row in self.rows:
                if row.kind == kind and row.sku == sku and row.region == wanted:
                    return row
        return None

    def missing(self, kind: str, sku: str, region: str | None) -> str:
        """Why (kind, sku, region) has no price, in short (the table's ``gaps`` say why at length)."""
        where = f" in {region}" if region else ""
        return f"no price row for {kind} {sku}{where}"


def load_prices(path: Path | None = None) -> PriceTable:
    """The packaged price table, or the one at ``path``."""
    if path is None:
        text = resources.files("aiscale.core").joinpath("data", "prices.yaml").read_text(encoding="utf-8")
        shown = DEFAULT_FILE
    else:
        shown = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise PriceTableError(f"cannot read price table {shown}: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PriceTableError(f"price table {shown} is not valid YAML: {error}") from None
    return parse_prices(data, shown)


def parse_prices(data: Any, shown: str) -> PriceTable:
    """Validate a price table document; every problem names the file and the field."""

    def fail(where: str, problem: str) -> PriceTableError:
        return PriceTableError(f"invalid price table {shown}: {where}: {problem}")

    if not isinstance(data, Mapping) or not isinstance(data.get("rows"), list):
        raise fail("rows", "the table needs a list of rows")
    unknown = sorted(set(data) - {"rows", "gaps"})
    if unknown:
        raise fail(unknown[0], "unknown key (allowed: rows, gaps)")
    gaps = data.get("gaps") or {}
    if not isinstance(gaps, Mapping) or not all(isinstance(v, str) for v in gaps.values()):
        raise fail("gaps", "must map a kind to the reason it has no price")
    rows = [_row(raw, f"rows[{index}]", fail) for index, raw in enumerate(data["rows"])]
    _consistent(rows, fail)
    return PriceTable(tuple(rows), dict(gaps), shown)


def _row(raw: Any, where: str, fail: Any) -> PriceRow:
    if not isinstance(raw, Mapping):
        raise fail(where, "a row is a mapping of field to value")
    for key in _REQUIRED:
        if raw.get(key) in (None, ""):
            raise fail(f"{where}.{key}", "required")
    extra = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if extra:
        raise fail(f"{where}.{extra[0]}", f"unknown field (allowed: {', '.join(_REQUIRED + _OPTIONAL)})")
    for key in ("id", "kind", "sku", "region", "source"):
        if not isinstance(raw[key], str):
            raise fail(f"{where}.{key}", f"must be text (got {raw[key]!r})")
    currency = raw["currency"]
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isupper()):
        raise fail(f"{where}.currency", f"must be an ISO 4217 code such as USD (got {currency!r})")
    if raw["unit"] not in _UNITS:
        raise fail(f"{where}.unit", f"must be one of {', '.join(_UNITS)} (got {raw['unit']!r})")
    price = _number(raw["price"], f"{where}.price", fail)
    free = _number(raw.get("free_units_per_month", 0), f"{where}.free_units_per_month", fail)
    try:
        read = datetime.date.fromisoformat(str(raw["read"]))
    except ValueError:
        raise fail(f"{where}.read", f"must be a date YYYY-MM-DD (got {raw['read']!r})") from None
    return PriceRow(
        id=raw["id"],
        kind=raw["kind"],
        sku=raw["sku"],
        region=raw["region"],
        currency=currency,
        unit=raw["unit"],
        price=price,
        source=raw["source"],
        read=read,
        free_units_per_month=free,
        note=str(raw.get("note", "")).strip(),
    )


def _number(value: Any, where: str, fail: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise fail(where, f"must be a number >= 0 (got {value!r})")
    return float(value)


def _consistent(rows: Sequence[PriceRow], fail: Any) -> None:
    seen: dict[tuple[str, str, str], str] = {}
    ids: set[str] = set()
    for index, row in enumerate(rows):
        if row.id in ids:
            raise fail(f"rows[{index}].id", f"duplicate id {row.id!r}")
        ids.add(row.id)
        key = (row.kind, row.sku, row.region)
        if key in seen:
            raise fail(f"rows[{index}]", f"{row.kind} {row.sku} in {row.region} is already priced by {seen[key]}")
        seen[key] = row.id
        # Estimates add prices up; they never convert currencies.
        if row.currency != rows[0].currency:
            raise fail(f"rows[{index}].currency", f"{row.currency} differs from the table's {rows[0].currency}")

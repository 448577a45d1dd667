"""The price table: loading, validation, sanity rules and look-up.

Two sources make the table, one currency:

- ``aiscale/core/data/prices.yaml``: figures read from a provider's own page or API (``scripts/refresh_prices.py``
  adds them), each with its ``source`` and the date it was ``read``; its ``gaps`` say why a kind has no row.
- ``aiscale/core/data/price_catalog.csv``: VM, machine and GPU prices per region transcribed from a copy of the
  providers' price-API data (``scripts/import_price_catalog.py``), each row with its provenance (API, repository,
  path, commit) and the approximate date of the data. A row of ``prices.yaml`` for the same price takes precedence.

A catalog row that fails a sanity rule is *rejected*, never used: a zero price for something that is never free,
a spot price above (or equal to) the on-demand one, a GPU row whose price is not its count times the one-GPU
price. Rejected rows stay in the table with the reason, so a look-up that finds nothing says why. A price is only
ever the row for the region asked for: one region is never priced with another's figures.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from aiscale.core.errors import AiscaleError

DEFAULT_FILE = "aiscale/core/data/prices.yaml"
CATALOG_FILE = "aiscale/core/data/price_catalog.csv"
Unit = Literal["hour", "GiB"]
_UNITS: tuple[Unit, ...] = ("hour", "GiB")
_REQUIRED = ("id", "kind", "sku", "region", "currency", "unit", "price", "source", "read")
_OPTIONAL = ("free_units_per_month", "note", "count")
#: Columns of core/data/price_catalog.csv, in order (scripts/import_price_catalog.py writes them).
CATALOG_COLUMNS = (
    "kind",
    "sku",
    "count",
    "region",
    "currency",
    "unit",
    "price",
    "as_of",
    "api",
    "source_repo",
    "source_path",
    "source_commit",
    "rejected",
)
#: Kinds that are never free: a zero price is a missing price (the catalog fills gaps with 0.0).
NEVER_FREE = (
    "azure-vm",
    "azure-vm-spot",
    "azureml-online-instance",
    "gce-machine",
    "gce-machine-spot",
    "gce-accelerator",
    "gce-accelerator-spot",
    "vertex-prediction-node",
)
SPOT_SUFFIX = "-spot"
#: A GPU row may differ from count x the one-GPU row by rounding only.
PROPORTION_TOLERANCE = 0.005


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
    """Where the figure was read: a URL, an API query, or ``repository/path@commit``."""
    read: datetime.date
    """The date the figure describes (read from a page, or the approximate date of transcribed data)."""
    count: int = 1
    """Units one row prices (GPUs of an accelerator row); 1 otherwise."""
    free_units_per_month: float = 0.0
    note: str = ""
    api: str = ""
    """The provider API the figure came from, for transcribed rows."""
    unusable: str = ""
    """Why the data's own notes say the row must not be used (transcribed rows); empty when usable."""

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.kind, self.sku, self.count, self.region)

    def age_days(self, today: datetime.date) -> int:
        return (today - self.read).days

    def to_json(self, today: datetime.date) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sku": self.sku,
            "count": self.count,
            "region": self.region,
            "price": self.price,
            "unit": self.unit,
            "currency": self.currency,
            "source": self.source,
            "api": self.api or None,
            "asOf": self.read.isoformat(),
            "ageDays": self.age_days(today),
        }


@dataclass(frozen=True)
class Rejected:
    """A row the table holds but never prices with, and why."""

    row: PriceRow
    reason: str


@dataclass(frozen=True)
class PriceTable:
    rows: tuple[PriceRow, ...]
    gaps: Mapping[str, str] = field(default_factory=dict)
    """Why a kind has no row, quoted in the reason of each resource that needs one."""
    file: str = DEFAULT_FILE
    rejected: tuple[Rejected, ...] = ()
    _index: dict[tuple[str, str, int, str], PriceRow] = field(init=False, repr=False, compare=False)
    _regions: dict[tuple[str, str, int], set[str]] = field(init=False, repr=False, compare=False)
    _rejected: dict[tuple[str, str, int, str], Rejected] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regions: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        for row in self.rows:
            regions[(row.kind, row.sku, row.count)].add(row.region)
        object.__setattr__(self, "_index", {row.key: row for row in self.rows})
        object.__setattr__(self, "_regions", regions)
        object.__setattr__(self, "_rejected", {r.row.key: r for r in self.rejected})

    @property
    def currency(self) -> str | None:
        return self.rows[0].currency if self.rows else None

    def find(self, kind: str, sku: str, region: str | None, count: int = 1) -> PriceRow | None:
        """The row for ``sku`` of ``kind`` in ``region`` (a ``global`` row serves every region)."""
        return self._index.get((kind, sku, count, region or "")) or self._index.get((kind, sku, count, "global"))

    def missing(self, kind: str, sku: str, region: str | None, count: int = 1) -> str:
        """Why (kind, sku, region) has no price, in short (the table's ``gaps`` say why at length)."""
        what = f"{kind} {sku}" + (f" x{count}" if count != 1 else "")
        rejected = self._rejected.get((kind, sku, count, region or ""))
        if rejected is not None:
            return f"the {region} row for {what} was rejected: {rejected.reason}"
        elsewhere = sorted(self._regions.get((kind, sku, count), ()))
        if region and elsewhere:
            shown = ", ".join(elsewhere[:3]) + (f" and {len(elsewhere) - 3} more" if len(elsewhere) > 3 else "")
            return f"no {region} price for {what} (the price data has it only in {shown})"
        refused = [r for key, r in self._rejected.items() if key[:3] == (kind, sku, count)]
        if refused:
            where = f"no {region} price" if region else "no price"
            return (
                f"{where} for {what}: all {len(refused)} rows of the price data for it were rejected (e.g. "
                f"{refused[0].row.region}: {refused[0].reason})"
            )
        return f"no price row for {what}" + (f" in {region}" if region else "")


def load_prices(path: Path | None = None, catalog: Path | None = None) -> PriceTable:
    """The packaged price table (``prices.yaml`` and the catalog), or the files given."""
    if path is None and catalog is None:
        return _packaged()
    return _load(path, catalog)


@cache
def _packaged() -> PriceTable:
    return _load(None, None)


def _load(path: Path | None, catalog: Path | None) -> PriceTable:
    text, shown = _read(path, "prices.yaml", DEFAULT_FILE)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PriceTableError(f"price table {shown} is not valid YAML: {error}") from None
    catalog_text, catalog_shown = _read(catalog, "price_catalog.csv", CATALOG_FILE)
    return parse_prices(data, shown, parse_catalog(catalog_text, catalog_shown))


def _read(path: Path | None, packaged: str, shown: str) -> tuple[str, str]:
    if path is None:
        return resources.files("aiscale.core").joinpath("data", packaged).read_text(encoding="utf-8"), shown
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as error:
        raise PriceTableError(f"cannot read price table {path}: {error.strerror}") from None


def parse_prices(data: Any, shown: str, catalog: Sequence[PriceRow] = ()) -> PriceTable:
    """Validate a price table document (and merge transcribed ``catalog`` rows under it); every problem names the
    file and the field. Catalog rows then pass the sanity rules; those that fail are kept as rejected."""

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
    read_here = {row.key for row in rows}
    kept, rejected = sane([row for row in catalog if row.key not in read_here])
    currency = rows[0].currency if rows else (kept[0].currency if kept else None)
    for row in kept:
        if row.currency != currency:
            raise PriceTableError(f"price catalog row {row.id}: {row.currency} differs from the table's {currency}")
    return PriceTable((*rows, *kept), dict(gaps), shown, tuple(rejected))


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
    count = raw.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise fail(f"{where}.count", f"must be a whole number >= 1 (got {count!r})")
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
        count=count,
        free_units_per_month=free,
        note=str(raw.get("note", "")).strip(),
    )


def _number(value: Any, where: str, fail: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise fail(where, f"must be a number >= 0 (got {value!r})")
    return float(value)


def _consistent(rows: Sequence[PriceRow], fail: Any) -> None:
    seen: dict[tuple[str, str, int, str], str] = {}
    ids: set[str] = set()
    for index, row in enumerate(rows):
        if row.id in ids:
            raise fail(f"rows[{index}].id", f"duplicate id {row.id!r}")
        ids.add(row.id)
        if row.key in seen:
            raise fail(f"rows[{index}]", f"{row.kind} {row.sku} in {row.region} is already priced by {seen[row.key]}")
        seen[row.key] = row.id
        # Estimates add prices up; they never convert currencies.
        if row.currency != rows[0].currency:
            raise fail(f"rows[{index}].currency", f"{row.currency} differs from the table's {rows[0].currency}")


# --- The transcribed catalog --------------------------------------------------------------------------------------


def parse_catalog(text: str, shown: str) -> list[PriceRow]:
    """Rows of ``price_catalog.csv``; a row its importer marked ``rejected`` is returned as rejected by
    :func:`sane` (kept with the reason)."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CATALOG_COLUMNS:
        raise PriceTableError(f"invalid price catalog {shown}: the columns must be {', '.join(CATALOG_COLUMNS)}")
    rows = []
    for line, raw in enumerate(reader, start=2):
        try:
            row = _catalog_row(raw)
        except (TypeError, ValueError) as error:
            raise PriceTableError(f"invalid price catalog {shown}, line {line}: {error}") from None
        rows.append(row)
    return rows


def _catalog_row(raw: Mapping[str, str]) -> PriceRow:
    count = int(raw["count"]) if raw["count"] else 1
    price = float(raw["price"])
    if not math.isfinite(price) or price < 0:
        raise ValueError(f"price must be a number >= 0 (got {raw['price']!r})")
    if raw["unit"] not in _UNITS:
        raise ValueError(f"unit must be one of {', '.join(_UNITS)} (got {raw['unit']!r})")
    suffix = f"x{count}" if raw["count"] else ""
    return PriceRow(
        id=f"{raw['kind']}:{raw['sku']}{suffix}:{raw['region']}",
        kind=raw["kind"],
        sku=raw["sku"],
        region=raw["region"],
        currency=raw["currency"],
        unit=raw["unit"],
        price=price,
        source=f"{raw['source_repo']}/{raw['source_path']}@{raw['source_commit'][:8]}",
        read=datetime.date.fromisoformat(raw["as_of"]),
        count=count,
        api=raw["api"],
        unusable=raw["rejected"],
    )


def sane(rows: Iterable[PriceRow]) -> tuple[list[PriceRow], list[Rejected]]:
    """Split transcribed rows into those fit to price with and those rejected, with the reason."""
    rows = list(rows)
    by_key = {row.key: row for row in rows}
    kept: list[PriceRow] = []
    rejected: list[Rejected] = []
    for row in rows:
        reason = _problem(row, by_key)
        if reason is None:
            kept.append(row)
        else:
            rejected.append(Rejected(row, reason))
    return kept, rejected


def _problem(row: PriceRow, by_key: Mapping[tuple[str, str, int, str], PriceRow]) -> str | None:
    if row.unusable:
        return row.unusable
    if row.price == 0 and row.kind in NEVER_FREE:
        return "a price of 0 is the data's fill for a missing price, not a free resource"
    if row.kind.endswith(SPOT_SUFFIX):
        on_demand = by_key.get((row.kind.removesuffix(SPOT_SUFFIX), row.sku, row.count, row.region))
        if on_demand is not None and row.price > on_demand.price:
            return f"spot {row.price:g} is above on-demand {on_demand.price:g}"
        if on_demand is not None and row.price == on_demand.price:
            return f"spot equals on-demand ({row.price:g}): not a spot price"
    if row.count > 1:
        single = by_key.get((row.kind, row.sku, 1, row.region))
        if single is not None and abs(row.price - row.count * single.price) > PROPORTION_TOLERANCE * row.price:
            return (
                f"{row.count} GPUs at {row.price:g} is not {row.count} x the one-GPU price {single.price:g} "
                f"({row.count * single.price:g})"
            )
    return None

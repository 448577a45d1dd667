"""What the estimator reads about a resource: its type token, inputs, URN and property dependencies.

Generic on purpose: an ``aiscale plan`` run (:class:`~aiscale.core.engine.Registration`) and the resources a
CrossGuard stack policy sees in a real preview both become :class:`CostRecord`, so both are priced the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # components import this package; the engine stays out of a real deployment's imports
    from aiscale.core.engine import Registration

UNKNOWN = "[unknown]"
"""How a value a preview cannot know appears in inputs (the plan JSON's convention)."""


@dataclass(frozen=True)
class CostRecord:
    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def get(self, *keys: str | int) -> Any:
        """The input at ``keys`` (None when absent; :data:`UNKNOWN` when a preview cannot know it)."""
        value: Any = self.inputs
        for key in keys:
            if isinstance(key, int):
                if not isinstance(value, Sequence) or isinstance(value, str) or key >= len(value):
                    return None
                value = value[key]
            elif isinstance(value, Mapping):
                value = value.get(key)
            else:
                return None
        return value

    def depends_on(self, urn: str, prop: str) -> bool:
        return urn in self.property_dependencies.get(prop, ())


def from_registrations(registrations: Iterable[Registration]) -> list[CostRecord]:
    """Records of the custom resources of an offline run (components carry no cost of their own)."""
    return [CostRecord(r.urn, r.type, r.name, r.inputs, r.property_dependencies) for r in registrations if r.custom]

"""The policy pack a plan is checked against, as the planner, the reports and ``aiscale watch`` see it.

core defines what it needs of a pack and never imports one: the pack (``aiscale.policies``) sits beside core and
registers itself under the entry point group ``aiscale.policy_packs`` (``pyproject.toml``), which the installed
aiscale distribution always carries. The type checker verifies that the pack implements :class:`PolicyPack`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pulumi_policy import Severity

    from aiscale.core.engine import RecordedRun
    from aiscale.core.plan import PolicyReport

ENTRY_POINTS = "aiscale.policy_packs"
PACK = "aiscale"


class PolicyRule(Protocol):
    """What a report shows of one policy of the pack."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def anchors(self) -> Sequence[str]: ...
    @property
    def absent(self) -> str: ...
    @property
    def remediation(self) -> str: ...
    @property
    def area(self) -> str: ...
    def tags(self) -> list[str]: ...


class PolicyPack(Protocol):
    @property
    def name(self) -> str: ...

    def rules(self) -> Mapping[str, PolicyRule]:
        """Every policy of the pack by id."""
        ...

    def evaluate(self, run: RecordedRun, *, config_file: Path | None = None) -> PolicyReport:
        """The pack's findings on ``run``, with the stack's policy config (``config_file`` or its default file)."""
        ...

    def config_for_stack(
        self,
        project_dir: Path,
        stack: str,
        config_file: Path | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> dict[str, Any]:
        """The policy config a real ``pulumi preview --policy-pack-config`` of the stack takes; ``on_warning``
        hears that the stack's environment is unknown (and which one applied)."""
        ...

    def files(self) -> list[Path]:
        """The pack's own data files (enforcement levels, waivers): a change to one changes the findings."""
        ...


class PackNotInstalledError(RuntimeError):
    """The installed aiscale distribution registers no policy pack: its metadata is stale or damaged."""


@cache
def installed_pack() -> PolicyPack:
    """The aiscale policy pack, loaded (on first use: it is heavy) from the entry point that registers it."""
    found = entry_points(group=ENTRY_POINTS, name=PACK)
    if not found:
        raise PackNotInstalledError(
            f"no policy pack {PACK!r} in the entry points {ENTRY_POINTS!r} of the installed packages; the aiscale "
            "install is out of date (reinstall it: make install, or pip install -e .)"
        )
    (entry,) = found
    pack: PolicyPack = entry.load()
    return pack

"""Where a rollout stands and where each decision takes it, from the traffic written in the stack file.

- ``canary``: the candidate takes ``steps`` of live traffic in turn; passing the last step (100) completes it.
- ``blue_green``: the candidate first receives a mirrored copy of ``steps[0]`` percent; passing switches all live
  traffic at once; passing again completes it.
- ``shadow``: the candidate only ever receives mirrored traffic; passing ends the shadow run.

Completing a rollout swaps the ``stable`` and ``candidate`` roles: the old stable deployment becomes the idle slot
the next promotion writes to (blue/green slots, kept for a fast way back until then).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiscale.core.config.delivery import PromotionConfig
from aiscale.core.delivery.endpoints import DeliveryError


@dataclass(frozen=True)
class Traffic:
    live: dict[str, int]
    mirror: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """``index`` of the current step (-1: no rollout in progress); ``last`` when passing it completes the rollout."""

    index: int
    label: str
    last: bool


@dataclass(frozen=True)
class Transition:
    traffic: Traffic
    label: str
    swap_roles: bool = False
    """The rollout completed and the candidate became the stable deployment."""


def _only_stable_and_candidate(promotion: PromotionConfig, traffic: Traffic, where: str) -> None:
    others = {n: s for n, s in traffic.live.items() if n not in (promotion.stable, promotion.candidate) and s > 0}
    if others:
        raise DeliveryError(
            f"{where}: deployments {sorted(others)} take live traffic besides stable {promotion.stable!r} and "
            f"candidate {promotion.candidate!r}: a rollout moves traffic between those two only"
        )


def stage(promotion: PromotionConfig, traffic: Traffic, where: str) -> Stage:
    """The current step, read from the traffic split; an off-plan split is an error naming the file."""
    _only_stable_and_candidate(promotion, traffic, where)
    steps, strategy = promotion.rollout.steps, promotion.rollout.strategy
    live = traffic.live.get(promotion.candidate, 0)
    mirrored = traffic.mirror.get(promotion.candidate, 0)
    if live == 0 and mirrored == 0:
        return Stage(-1, "idle: the candidate takes no traffic", last=False)
    if strategy == "canary" and mirrored == 0 and live in steps:
        index = steps.index(live)
        return Stage(index, f"canary step {index + 1}/{len(steps)}: {live}% live", last=index == len(steps) - 1)
    if strategy == "blue_green" and live == 0 and mirrored == steps[0]:
        return Stage(0, f"blue/green: {mirrored}% mirrored to the candidate", last=False)
    if strategy == "blue_green" and live == 100 and mirrored == 0:
        return Stage(1, "blue/green: switched, 100% live on the candidate", last=True)
    if strategy == "shadow" and live == 0 and mirrored == steps[0]:
        return Stage(0, f"shadow: {mirrored}% mirrored to the candidate", last=True)
    raise DeliveryError(
        f"{where}: candidate {promotion.candidate!r} takes {live}% live and {mirrored}% mirrored traffic, which is "
        f"no step of the {strategy} rollout {steps}: set the traffic back to a step (or all to {promotion.stable!r})"
    )


def first_step(promotion: PromotionConfig) -> Transition:
    """The traffic a promotion writes with the new version: the rollout's first step."""
    first = promotion.rollout.steps[0]
    stable, candidate = promotion.stable, promotion.candidate
    if promotion.rollout.strategy == "canary":
        return Transition(Traffic({stable: 100 - first, candidate: first}), f"canary step 1: {first}% live")
    return Transition(Traffic({stable: 100, candidate: 0}, {candidate: first}), f"{first}% mirrored")


def advance(promotion: PromotionConfig, current: Stage) -> Transition:
    """The traffic after the analysis of ``current`` passed."""
    steps, strategy = promotion.rollout.steps, promotion.rollout.strategy
    stable, candidate = promotion.stable, promotion.candidate
    if strategy == "shadow":
        return Transition(Traffic({stable: 100, candidate: 0}), "shadow run passed: mirroring ended")
    if current.last:
        return Transition(Traffic({candidate: 100, stable: 0}), "complete: the candidate is now stable", True)
    if strategy == "blue_green":
        return Transition(Traffic({stable: 0, candidate: 100}), "switched: 100% live on the candidate")
    share = steps[current.index + 1]
    return Transition(
        Traffic({stable: 100 - share, candidate: share}), f"canary step {current.index + 2}/{len(steps)}: {share}% live"
    )


def rollback(promotion: PromotionConfig) -> Transition:
    """All traffic back to stable; the candidate stays deployed, without traffic, for diagnosis."""
    return Transition(
        Traffic({promotion.stable: 100, promotion.candidate: 0}),
        f"rolled back: 100% on {promotion.stable}, {promotion.candidate} kept without traffic",
    )

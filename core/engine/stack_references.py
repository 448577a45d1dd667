"""Offline answers for ``StackReference``: a team stack plans with the outputs of a recorded platform plan.

A real preview reads a referenced stack's outputs from the backend. Offline there is no backend:
``aiscale plan TEAM --stack-outputs ORG/PROJECT/STACK=platform.json`` gives the referenced stack's outputs from a
plan recorded with ``aiscale plan STACK --format json`` (its ``outputs`` section). Values the recorded plan knew
arrive as they are; values it did not (``"[unknown]"``, ids computed by the cloud) and secrets (``"[secret]"``,
never recorded) arrive unknown, as :func:`unknown_if_redacted` makes them again. A stack referenced without
recorded outputs has all its outputs unknown (the bootstrap's mocks answer the reads, from the job).

The recorded outputs travel in the environment (``AISCALE_STACK_OUTPUTS``, JSON ``{stack: file}``), so that every
process that runs a stack offline sees them.
"""

import asyncio
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi

from aiscale.core.engine import wire
from aiscale.core.errors import ProjectError
from aiscale.core.offline_inputs import handed_down, handed_files

ENVIRONMENT_VARIABLE = "AISCALE_STACK_OUTPUTS"


def read_outputs(stack: str, path: Path) -> dict[str, Any]:
    """The ``outputs`` of a recorded plan (``aiscale plan --format json``), or an error naming the file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProjectError(f"--stack-outputs {stack}={path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ProjectError(f"--stack-outputs {stack}={path}: not JSON ({error.msg}, line {error.lineno})") from None
    outputs = document.get("outputs") if isinstance(document, dict) else None
    if not isinstance(outputs, dict):
        raise ProjectError(f"--stack-outputs {stack}={path}: not a plan of `aiscale plan --format json` (no outputs)")
    return outputs


@contextmanager
def recorded_outputs(files: Mapping[str, Path]) -> Iterator[None]:
    """Runs inside see the recorded outputs of ``files`` (stack name → plan file) for their stack references."""
    for stack, path in files.items():
        read_outputs(stack, path)  # refused now, not in the middle of a run
    with handed_down(ENVIRONMENT_VARIABLE, files):
        yield


def answers() -> dict[str, dict[str, Any]]:
    """The state a ``StackReference`` read returns for each stack with recorded outputs, in this run."""
    files = handed_files(ENVIRONMENT_VARIABLE)
    states = {}
    for stack, path in files.items():
        outputs = read_outputs(stack, path)
        secret = sorted(name for name, value in outputs.items() if value == wire.SECRET)
        states[stack] = {"name": stack, "outputs": outputs, "secretOutputNames": secret}
    return states


def unknown_if_redacted(value: Any) -> Any:
    """A recorded value as the program should see it: ``"[unknown]"`` unknown, ``"[secret]"`` an unknown secret.

    In a real run no output is either text; in an offline run they stand for what the recorded plan did not know
    or must not show. Values inside lists and maps keep their markers (an id among known names stays visible as
    unknown in the plan's inputs).
    """
    if value in (wire.UNKNOWN, wire.SECRET):
        known: Any = pulumi.Output.from_input(None)
        unknown = pulumi.Output(set(), known.future(), _known(False), _known(value == wire.SECRET))
        return unknown
    return value


def _known(flag: bool) -> "asyncio.Future[bool]":
    future: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
    future.set_result(flag)
    return future

"""The audit trail: one JSON line per promotion or rollout decision, appended, never rewritten.

Who decided (the CI actor or the local user), when, on which stack and endpoint, which version, what the gates or
the analysis saw, and the decision. The log lives in the repository (``promotion.audit_log``), so it is reviewed
and kept with the stack file change it explains.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# CI systems name the person who triggered the run; prefer them to the runner's account.
_ACTOR_VARIABLES = ("AISCALE_ACTOR", "GITHUB_ACTOR", "BUILD_REQUESTEDFOREMAIL", "GITLAB_USER_LOGIN")


def actor(project_root: Path) -> str:
    for variable in _ACTOR_VARIABLES:
        if os.environ.get(variable):
            return os.environ[variable]
    try:
        email = subprocess.run(
            ["git", "config", "user.email"], cwd=project_root, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except OSError:
        email = ""
    return email or getpass.getuser()


def append(path: Path, entry: dict[str, Any], *, project_root: Path, now: datetime | None = None) -> dict[str, Any]:
    """Append ``entry`` with who and when; returns the line written (as a mapping)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    record = {"time": moment.isoformat(timespec="seconds"), "actor": actor(project_root), **entry}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(record, sort_keys=False, default=str) + "\n")
        log.flush()
        os.fsync(log.fileno())
    return record

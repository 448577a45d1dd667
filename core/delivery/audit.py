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

from aiscale.core.errors import AiscaleError

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


class AuditError(AiscaleError):
    """The audit log cannot be written where the stack file says (exit 2; the stack file is then not changed)."""


def log_path(project_root: Path, configured: str) -> Path:
    """The audit log ``configured`` (``promotion.audit_log``), which must stay inside the project, links resolved."""
    root = project_root.resolve()
    path = (root / configured).resolve()
    if not path.is_relative_to(root):
        raise AuditError(f"promotion.audit_log {configured!r} leads outside the project ({root}): keep it inside")
    return path


def append(path: Path, entry: dict[str, Any], *, project_root: Path, now: datetime | None = None) -> dict[str, Any]:
    """Append ``entry`` with who and when, on disk before returning; returns the line written (as a mapping)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    record = {"time": moment.isoformat(timespec="seconds"), "actor": actor(project_root), **entry}
    line = json.dumps(record, sort_keys=False, default=str) + "\n"
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise AuditError(f"cannot append to the audit log {path}: {folder} is a file, not a folder")
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write of the whole line in append mode: concurrent appenders never interleave within a line.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise AuditError(f"cannot append to the audit log {path}: {error.strerror}") from None
    return record

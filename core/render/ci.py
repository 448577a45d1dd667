"""The CI run a report comes from, read from the variables GitHub Actions and Azure DevOps set in every job."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class CiRun:
    system: str
    commit: str
    commit_url: str | None
    run: str
    run_url: str | None

    def markdown(self) -> str:
        """``commit [`abc1234`](…) · [GitHub Actions run 42](…)``."""
        short = f"`{self.commit[:7]}`"
        commit = f"[{short}]({self.commit_url})" if self.commit_url else short
        run = f"{self.system} run {self.run}"
        return f"commit {commit} · " + (f"[{run}]({self.run_url})" if self.run_url else run)


def ci_run(environ: Mapping[str, str] | None = None) -> CiRun | None:
    """The run, when the variables of a known CI system say; None elsewhere (a laptop)."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true" or env.get("GITHUB_RUN_ID"):
        sha, run = env.get("GITHUB_SHA", ""), env.get("GITHUB_RUN_ID", "")
        server, repository = env.get("GITHUB_SERVER_URL", ""), env.get("GITHUB_REPOSITORY", "")
        if sha and run:
            base = f"{server.rstrip('/')}/{repository}" if server and repository else None
            return CiRun(
                "GitHub Actions",
                sha,
                f"{base}/commit/{sha}" if base else None,
                run,
                f"{base}/actions/runs/{run}" if base else None,
            )
    if env.get("TF_BUILD") == "True" or env.get("BUILD_BUILDID"):
        sha, build = env.get("BUILD_SOURCEVERSION", ""), env.get("BUILD_BUILDID", "")
        collection, project = env.get("SYSTEM_COLLECTIONURI", ""), env.get("SYSTEM_TEAMPROJECT", "")
        if sha and build:
            base = f"{collection.rstrip('/')}/{quote(project)}" if collection and project else None
            repository = env.get("BUILD_REPOSITORY_URI", "")
            commit_url = f"{repository}/commit/{sha}" if repository.startswith("https://") else None
            return CiRun(
                "Azure Pipelines", sha, commit_url, build, f"{base}/_build/results?buildId={build}" if base else None
            )
    return None

"""Which Python interpreter runs a project's program: the project's own virtualenv, as the Pulumi CLI picks it.

``runtime.options`` of Pulumi.yaml decide, as for ``pulumi preview``: ``toolchain: pip`` (the default) uses
``virtualenv`` when set; ``uv`` uses ``virtualenv``, else a ``.venv`` beside the nearest ``uv.lock`` or
``pyproject.toml``; ``poetry`` asks ``poetry env info --path``. A project without a virtualenv, or whose virtualenv
is aiscale's own, runs in aiscale's interpreter. A declared virtualenv that does not exist falls back to aiscale's
interpreter with a note (the Pulumi CLI would create it; an offline plan installs nothing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aiscale.core.errors import ProjectError
from aiscale.core.project import PulumiProject

TOOLCHAINS = ("pip", "uv", "poetry")


@dataclass(frozen=True)
class Interpreter:
    """The project's own virtualenv and its Python."""

    virtualenv: Path
    python: Path


def program_interpreter(project: PulumiProject) -> tuple[Interpreter | None, str | None]:
    """The project's interpreter (None: aiscale's own) and a note when a declared one could not be used."""
    toolchain = project.runtime_options.get("toolchain", "pip")
    if toolchain not in TOOLCHAINS:
        raise ProjectError(
            f"{project.display_path(project.root / 'Pulumi.yaml')}: runtime.options.toolchain: expected one of "
            f"{', '.join(TOOLCHAINS)}, got {toolchain!r}"
        )
    virtualenv = _virtualenv(project, toolchain)
    if virtualenv is None:
        return None, None
    python = virtualenv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        return None, (
            f"Pulumi.yaml declares the virtualenv {project.display_path(virtualenv)} ({toolchain}), which does not "
            "exist: the program ran with aiscale's own interpreter"
        )
    if virtualenv.resolve() == Path(sys.prefix).resolve():
        return None, None
    return Interpreter(virtualenv, python), None


def _virtualenv(project: PulumiProject, toolchain: str) -> Path | None:
    declared = project.runtime_options.get("virtualenv")
    if declared is not None and not isinstance(declared, str):
        raise ProjectError(
            f"{project.display_path(project.root / 'Pulumi.yaml')}: runtime.options.virtualenv: expected a path"
        )
    if toolchain == "poetry":
        return _poetry_virtualenv(project)
    if declared:
        return project.root / declared
    if toolchain == "uv":
        for marker in ("uv.lock", "pyproject.toml"):
            for folder in (project.root, *project.root.parents):
                if (folder / marker).is_file():
                    return folder / ".venv"
        return project.root / ".venv"
    return None


def _poetry_virtualenv(project: PulumiProject) -> Path:
    poetry = shutil.which("poetry")
    if poetry is None:
        raise ProjectError("Pulumi.yaml: runtime.options.toolchain is poetry, but poetry is not on PATH")
    result = subprocess.run(
        [poetry, "env", "info", "--path"],
        cwd=project.program_dir,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    path = result.stdout.strip()
    if result.returncode != 0 or not path:
        raise ProjectError(
            f"Pulumi.yaml: runtime.options.toolchain is poetry, but `poetry env info --path` found no virtualenv "
            f"in {project.display_path(project.program_dir)} (run `poetry install`): {result.stderr.strip()[:200]}"
        )
    return Path(path)


def activated_environment(interpreter: Interpreter) -> dict[str, str]:
    """The environment the Pulumi CLI gives a program in a virtualenv: its bin first on PATH, VIRTUAL_ENV set."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONHOME", "VIRTUAL_ENV")}
    environment["PATH"] = os.pathsep.join([str(interpreter.python.parent), environment.get("PATH", "")])
    environment["VIRTUAL_ENV"] = str(interpreter.virtualenv)
    return environment

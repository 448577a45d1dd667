"""Packaging: one `aiscale` namespace, in an editable install and in a built wheel; nothing else installed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

MAPPED = {
    "aiscale.core": "core",
    "aiscale.components": "components",
    "aiscale.blueprints": "blueprints",
    "aiscale.policies": "policies",
}


def declared_packages() -> list[str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]


def test_package_dir_maps_the_top_level_folders() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == MAPPED


def test_every_package_folder_is_declared() -> None:
    found = set()
    for package, folder in MAPPED.items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            found.add(".".join([package, *relative.parts]))
    assert found == set(declared_packages())


def isolated_python(code: str, *extra_path: str, no_site: bool = False) -> subprocess.CompletedProcess[str]:
    """Run code from ``/`` so the repository's folders are not importable by accident.

    With ``no_site``, site-packages is put on the path without running its ``.pth`` files, so the editable
    install's finder is not there and only the given paths can provide ``aiscale``.
    """
    flags = ["-S"] if no_site else []
    return subprocess.run(
        [sys.executable, *flags, "-c", code, *extra_path],
        cwd="/",
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )


CHECK = """
import importlib, importlib.util, sys
sys.path.extend(sys.argv[1:])
for name in ("aiscale.core.cli", "aiscale.core.engine", "aiscale.components.azure", "aiscale.components.gcp",
             "aiscale.blueprints", "aiscale.policies"):
    importlib.import_module(name)
for name in ("components", "blueprints", "policies", "core", "stacks"):
    assert importlib.util.find_spec(name) is None, name
import aiscale
print(sorted(set(p.rsplit("/", 1)[0] for p in aiscale.__path__)))
"""


def test_editable_install_exposes_only_the_namespace() -> None:
    result = isolated_python(CHECK)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("aiscale-*.whl")
    return built


def test_wheel_contains_only_the_namespace(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"aiscale", "aiscale-0.1.0.dist-info"}
    assert "aiscale/__init__.py" not in names  # a PEP 420 namespace: other distributions may add to it
    for expected in (
        "aiscale/core/cli.py",
        "aiscale/core/engine/runner.py",
        "aiscale/components/azure/key_vault.py",
        "aiscale/components/gcp/kms.py",
        "aiscale/blueprints/azure_platform.py",
        "aiscale/policies/__init__.py",
    ):
        assert expected in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "aiscale = aiscale.core.cli:run" in entry_points


def test_wheel_works_without_the_editable_install(wheel: Path, tmp_path: Path) -> None:
    # Installing a pure wheel is unpacking it into a site directory; dependencies come from this venv.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    result = isolated_python(CHECK, str(target), site_packages, no_site=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([str(target)])

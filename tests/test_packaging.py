"""Packaging: one `aiscale` namespace, in an editable install and in a built wheel; nothing else installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from aiscale.policies import all_policies
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
    # setuptools reuses build/lib: a file since excluded from the package would linger in the wheel.
    shutil.rmtree(REPO / "build", ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    # setuptools leaves its metadata in the repository: a Python started there would read the entry points of
    # that copy instead of the installed distribution's.
    shutil.rmtree(REPO / "aiscale.egg-info", ignore_errors=True)
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
    # The planner finds the policy pack through this entry point (core never imports aiscale.policies).
    assert "[aiscale.policy_packs]\naiscale = aiscale.policies.evaluation:PACK" in entry_points


def test_wheel_works_without_the_editable_install(wheel: Path, tmp_path: Path) -> None:
    # Installing a pure wheel is unpacking it into a site directory; dependencies come from this venv.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    result = isolated_python(CHECK, str(target), site_packages, no_site=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([str(target)])


def test_the_installed_policy_pack_runs_with_the_installed_package(wheel: Path, tmp_path: Path) -> None:
    """The wheel's pack has no virtualenv of the repository in its manifest, and its entry point serves every policy."""
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    assert not (target / "aiscale" / "policies" / "PulumiPolicy.yaml").exists()  # ../.venv: the repository's
    pack = target / "aiscale" / "policies" / "pack"
    manifest = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"] == "python"
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    # As the policy analyzer starts it: the pack's __main__.py, with only the installed package importable.
    code = (
        f"import sys; sys.path[:0] = [{str(target)!r}, {site_packages!r}]; import runpy; "
        f"runpy.run_path({str(pack / '__main__.py')!r}, run_name='__main__')"
    )
    process = subprocess.Popen(
        [sys.executable, "-S", "-c", code], cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert info.name == "aiscale"
    assert sorted(policy.name for policy in info.policies) == sorted(policy.name for policy in all_policies())
    assert all(policy.name.startswith("ml-") for policy in info.policies)


def test_aiscale_policy_pack_prints_the_installed_pack_or_writes_a_pinned_copy(tmp_path: Path) -> None:
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "aiscale-policy-pack")], capture_output=True, text=True, check=True
    )
    assert Path(printed.stdout.strip()) == REPO / "policies" / "pack"
    subprocess.run(
        [str(Path(sys.executable).parent / "aiscale-policy-pack"), "--output", str(tmp_path / "pack")], check=True
    )
    pinned = yaml.safe_load((tmp_path / "pack" / "PulumiPolicy.yaml").read_text())
    assert pinned["runtime"] == {"name": "python", "options": {"virtualenv": sys.prefix}}
    assert (tmp_path / "pack" / "__main__.py").read_text() == (REPO / "policies" / "pack" / "__main__.py").read_text()

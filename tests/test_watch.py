"""``aiscale plan --watch``: re-plans on every change that matters, says what changed, restarts when it must."""

from __future__ import annotations

import datetime
import importlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from pulumi import _types

from aiscale.core import commands
from aiscale.core.outputs import Output
from aiscale.core.planner import Planner, PlanOptions
from aiscale.core.project import load_project
from tests.conftest import REPO

PROGRAM = """
import pulumi
import teamlib
from pulumi_azure_native import resources
resources.ResourceGroup("rg", location=pulumi.Config().require("location"), tags=teamlib.TAGS)
"""


class Watcher:
    """A watching ``aiscale`` process whose output lines are read as they come."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(root / "lib")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiscale.core.cli", "plan", "dev", "--watch", "--no-policies"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()

    def _read(self, name: str, stream: Iterable[str]) -> None:
        for line in stream:
            self.lines.put((name, line.rstrip("\n")))

    def until(self, text: str, timeout: float = 120) -> list[tuple[str, str]]:
        """Lines up to and including the first stderr line containing ``text``."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                stream, line = self.lines.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            seen.append((stream, line))
            if stream == "err" and text in line:
                # stdout and stderr are separate pipes: what the process wrote to stdout before may still arrive.
                time.sleep(0.5)
                while not self.lines.empty():
                    seen.append(self.lines.get())
                return seen
        self.process.kill()
        raise AssertionError(f"no {text!r} within {timeout} s; saw {seen}")


def test_watch_replans_on_changes_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root = tmp_path / "team"
    (root / "src").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "Pulumi.yaml").write_text("name: team\nruntime: python\nmain: src/\n")
    (root / "Pulumi.dev.yaml").write_text("config:\n  team:location: westeurope\n")
    (root / "src" / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    (root / "lib" / "teamlib.py").write_text('TAGS = {"owner": "team"}\n')

    watcher = Watcher(root)
    try:
        first = watcher.until("Ctrl-C stops")
        assert ("out", "Stack dev · project team · environment dev") in first  # the full report, once
        assert ("err", "watching 7 files of project team; Ctrl-C stops") in first

        # The stack file: a re-plan from the warm process, and the change with its field.
        (root / "Pulumi.dev.yaml").write_text("config:\n  team:location: northeurope\n")
        lines = watcher.until("dev: planned in")
        assert any(s == "err" and text.endswith("Pulumi.dev.yaml changed: planning dev again") for s, text in lines)
        out = [text for s, text in lines if s == "out"]
        assert out[0] == "Resources: +0 ~0 ±1 -0 (0 unchanged)"  # the change review's terminal diff
        assert (
            "  ± azure-native:resources:ResourceGroup  rg [stateful]  replace (a changed input forces a new resource)"
            in out
        )
        assert any(line.startswith('        location: "westeurope" → "northeurope"') for line in out)

        # The program's own file: read fresh by the next child.
        with (root / "src" / "__main__.py").open("a") as program:
            program.write('resources.ResourceGroup("rg2", location="westeurope")\n')
        lines = watcher.until("dev: planned in")
        assert "  + azure-native:resources:ResourceGroup  rg2" in [text for s, text in lines if s == "out"]

        # A module this process imported: it restarts, says so, and still compares with the previous plan.
        (root / "lib" / "teamlib.py").write_text('TAGS = {"owner": "another-team"}\n')
        lines = watcher.until("dev: planned in")
        assert (
            "err",
            "lib/teamlib.py changed, and this process had imported it: restarting the worker (the SDKs load again)",
        ) in lines
        out = [text for s, text in lines if s == "out"]
        assert out[0] == "Resources: +0 ~1 -0 (1 unchanged)"
        assert any(line.strip() == 'tags.owner: "team" → "another-team"' for line in out), out

        # A broken stack file is reported, and watching goes on.
        (root / "Pulumi.dev.yaml").write_text("config:\n  team:location: [1,\n")
        lines = watcher.until("error: ")
        assert "Pulumi.dev.yaml" in lines[-1][1]

        watcher.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert watcher.process.wait(timeout=30) == 0
        assert watcher.until("stopped watching")[-1] == ("err", "stopped watching")
    finally:
        if watcher.process.poll() is None:
            watcher.process.kill()
    remaining = [watcher.lines.get() for _ in range(watcher.lines.qsize())]
    assert not any("Traceback" in line for _, line in remaining)


def test_a_replan_from_the_warm_process_is_the_cold_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the watching process fills for its children (imported SDKs, the SDK's type hints, aiscale's data
    tables) changes nothing: after a save, the re-plan's JSON report is byte for byte a cold ``aiscale plan``'s."""
    # Price ages by the calendar, as in the cold command (tests fix the date otherwise).
    monkeypatch.setattr(importlib.import_module("aiscale.core.cost.estimate"), "today", datetime.date.today)
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    planner = Planner(load_project(tmp_path), PlanOptions(), warm=True, keep_documents=True)
    outputs = [Output("json", str(tmp_path / "warm.json"))]
    _types._types_from_py_properties.cache_clear()  # what this process may have resolved already
    first = planner.plan("dev", outputs, None)
    planner.finish_warming()
    assert planner.warmer is not None and planner.warmer.primers
    # A test process may have imported the SDKs before (the warmer then imports nothing itself): the provider
    # modules loaded here are handed to it, as a fresh watcher would have imported them.
    planner.warmer.unprimed.extend(
        module
        for name, module in list(sys.modules.items())
        if name.startswith(("pulumi_azure_native.", "pulumi_gcp.", "pulumi_kubernetes."))
        and type(module).__name__ != "_LazyModule"
    )
    resolved = _types._types_from_py_properties.cache_info().currsize
    while planner.warmer.unprimed or planner.warmer.primers:  # what the watch loop does between polls
        planner.idle()
    assert _types._types_from_py_properties.cache_info().currsize > resolved

    stack_file = tmp_path / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("cc-4711", "cc-4712", 1))
    report = planner.plan("dev", outputs, None, previous=first.document)
    commands.write_reports(report, outputs, stdout=False)
    assert report.changes is not None and 'cost-center: "cc-4711" → "cc-4712"' in report.changes

    cold = subprocess.run(
        [sys.executable, "-m", "aiscale.core.cli", "plan", "dev", "--format", "json", "--output", "cold.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert cold.returncode == report.exit_code, cold.stderr
    assert (tmp_path / "warm.json").read_text() == (tmp_path / "cold.json").read_text()

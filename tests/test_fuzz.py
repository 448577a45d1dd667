"""Fuzz: mutated stack files, policy files and command lines through the ``aiscale`` command.

Every input ends in exit 0, 1 or 2; never a traceback or an "internal error" (exit 3). An input that fails is one
message (``error: ...``) naming the file (or the option) and the field (a key path, a line or the option), and
nothing is written: no report, no temporary file, no change to the project. Inputs are generated from a seeded
random source over a corpus of hostile values, so a failure is reproducible from the case printed with it;
``AISCALE_FUZZ_CASES`` multiplies the number of cases (the default keeps CI's run short).

The counts (tried, ended in a clear error, accepted) are printed at the end of each test (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import re
import shutil
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiscale.core.cli import main
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "keys-only"
SCALE = float(os.environ.get("AISCALE_FUZZ_CASES", "1"))
RANDOM_TOKEN = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=40))

#: Values no one should get away with writing somewhere, and some that are fine in some places.
HOSTILE: list[Any] = [
    None,
    "",
    "   ",
    "\t",
    [],
    {},
    [1, 2],
    {"a": 1},
    {"a": {"b": {"c": {"d": [1, {"e": None}]}}}},
    0,
    -1,
    10**30,
    1.5,
    float("nan"),
    float("inf"),
    True,
    False,
    "x" * 5000,
    "é" * 10,
    "a\u202eb",
    "bell\x07",
    "null",
    "yes",
    "2026-02-30",
    "0x1F",
    "${HOME}",
    "../../etc/passwd",
    f"https://user:{RANDOM_TOKEN}@example.com/hook?sig={RANDOM_TOKEN}",
    f"ghp_{RANDOM_TOKEN}",
    {"secure": 123},
    {"secure": ""},
    {"secure": "v1:AAABBBCCC"},
    {"secure": [1]},
    ["a", None],
    [[[]]],
]


#: A problem with a file as a whole (it is missing, a folder, unreadable): the file is what the message names.
FILE_LEVEL = re.compile(
    r"cannot (be )?read|does not exist|not a regular file|is a directory|no Pulumi\.yaml|not a folder", re.IGNORECASE
)


@dataclass
class Tally:
    """What a fuzz test saw: every case's outcome, by kind."""

    name: str
    tried: int = 0
    clear_errors: int = 0
    accepted: int = 0
    must_fail: int = 0
    examples: dict[str, str] = field(default_factory=dict)

    def report(self) -> str:
        return (
            f"fuzz {self.name}: {self.tried} inputs, {self.clear_errors} ended in one clear error (exit 2), "
            f"{self.accepted} accepted (exit 0/1); {self.must_fail} were invalid by construction and all failed"
        )


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: usage errors exit 2, --help exits 0
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def listing(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() if path.is_file() else b""
        for path in sorted(root.rglob("*"))
        if "__pycache__" not in path.parts and not path.is_symlink()
    }


#: How a message names the field: a config key path, a line, a policy file's field, an option, a list index.
FIELD = re.compile(
    r"line \d+|aiscale:\w|[\w-]+:[\w-]+|\b(config|enforcement|thresholds|waivers|enforcement_waivers)\b|"
    r"resources\[\d+\]|--[a-z-]+|argument [A-Z_a-z-]+|arguments: |invalid choice|\bstack\b|\b[a-z_]+\.[a-z_]+\b"
)


def check(
    tally: Tally,
    case: str,
    argv: list[str],
    project: Path,
    names: tuple[str, ...],
    *,
    must_fail: bool = False,
    output: Path | None = None,
) -> None:
    """Run one case and assert the contract; ``names``: what an error must mention (one of them: the file)."""
    before = listing(project)
    code, _, err = run(argv)
    tally.tried += 1
    where = f"case {case!r}: argv {argv}\nexit {code}\nstderr: {err[:2000]}"
    assert code in (0, 1, 2), where
    assert "Traceback" not in err and "internal error" not in err, where
    if code == 2:
        tally.clear_errors += 1
        lines = err.rstrip("\n").splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith(("error: ", "usage: "))), None)
        assert first is not None, where
        assert sum(1 for line in lines if re.match(r"(aiscale[\w -]*: )?error: ", line)) == 1, where
        assert any(name in err for name in names), where
        message = err[err.index("error") :]
        assert FIELD.search(message) or FILE_LEVEL.search(message), where
        assert listing(project) == before, where  # nothing written, nothing left behind
        assert output is None or not output.exists(), where
        tally.examples.setdefault(case.split(":", 1)[0], lines[first][:160])
    else:
        assert not must_fail, where
        tally.accepted += 1
        if output is not None:
            json.loads(output.read_text())
            output.unlink()
    tally.must_fail += must_fail


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


@pytest.fixture
def tally(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Iterator[Tally]:
    result = Tally(request.node.name.removeprefix("test_"))
    yield result
    with capsys.disabled():
        print(f"\n{result.report()}")
        for kind, example in sorted(result.examples.items()):
            print(f"  {kind}: {example}")
    assert result.tried > 0 and result.clear_errors > 0


def cases(count: int) -> range:
    return range(max(1, int(count * SCALE)))


# --- Stack files -------------------------------------------------------------------------------------------


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def at(document: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    node = document
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


def structural(rng: random.Random, text: str) -> tuple[str, str, bool]:
    """A mutation of the parsed stack file, written back as YAML."""
    document = yaml.safe_load(text)
    config = document["config"]
    path = rng.choice(list(paths(config)))
    parent, key = at(config, path)
    operation = rng.choice(["value", "value", "value", "delete", "unknown key", "wrap", "rename"])
    shown = ".".join(map(str, path))
    if operation == "value":
        parent[key] = copy.deepcopy(rng.choice(HOSTILE))
    elif operation == "delete":
        del parent[key]
    elif operation == "wrap":
        parent[key] = [parent[key]]
    elif operation == "rename" and isinstance(key, str):
        parent[key + rng.choice(["s", "_", "X", " "])] = parent.pop(key)
    elif isinstance(parent, dict):
        parent["".join(rng.choices("abcxyz_:", k=6))] = copy.deepcopy(rng.choice(HOSTILE))
    return f"{operation}:{shown}", yaml.safe_dump(document, sort_keys=False, allow_unicode=True), False


TEXT_OPERATIONS = (
    "duplicate key", "truncate", "bad bytes", "tag", "alias bomb", "recursive alias", "nesting", "tab",
    "bom and crlf", "empty", "not a mapping",
)  # fmt: skip
TAGS = ["!!binary aGVsbG8=", "!!set {a, b}", "!!python/object:os.system {}", "!Ref x", "!!timestamp 2026-01-01"]


def textual(rng: random.Random, text: str) -> tuple[str, bytes, bool]:
    """A mutation of the file's text or bytes; the bool says whether it is invalid by construction."""
    lines = text.splitlines(keepends=True)
    operation = rng.choice(TEXT_OPERATIONS)
    data: str | bytes
    invalid = True
    if operation == "duplicate key":
        top = [i for i, line in enumerate(lines) if line.startswith("  ") and not line.startswith("   ")]
        data = "".join([*lines, lines[rng.choice(top)]])  # the same key again, at the end of config
    elif operation == "truncate":
        data = text[: rng.randrange(1, len(text))]
        invalid = False  # a cut at a line end is still a valid (smaller) file
    elif operation == "bad bytes":
        position = rng.randrange(len(text))
        data = (
            text[:position].encode() + rng.choice([b"\xff", b"\x00", b"\xc3(", b"\x1b[2J"]) + text[position:].encode()
        )
    elif operation == "tag":
        index = rng.randrange(2, len(lines))
        name = lines[index].split(":")[0]
        data = "".join([*lines[:index], f"{name}: {rng.choice(TAGS)}\n", *lines[index + 1 :]])
    elif operation == "alias bomb":
        bomb = "  aiscale:tags:\n    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        bomb += "".join(f"    a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]\n" for n in range(1, 9))
        data = text.replace("  aiscale:tags:\n    project: aiscale\n", bomb)
    elif operation == "recursive alias":
        data = text.replace("    project: aiscale\n", "    project: &p [*p]\n")
    elif operation == "nesting":
        depth = rng.randrange(65, 3000)
        data = text.replace("    project: aiscale\n", "    project: " + "[" * depth + "]" * depth + "\n")
    elif operation == "tab":
        index = rng.randrange(3, len(lines))
        data = "".join([*lines[:index], "\t" + lines[index].lstrip(" "), *lines[index + 1 :]])
    elif operation == "bom and crlf":
        data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
        invalid = False
    elif operation == "empty":  # no config at all: `plan` needs an owner; `policy-config` needs nothing
        data = rng.choice(["", "config:\n", "config: ~\n", "---\n"])
        invalid = False
    else:
        data = rng.choice(["- config\n", "config: [1, 2]\n", "just text\n", "config: 3\n"])
    return operation, data if isinstance(data, bytes) else data.encode(), invalid


def test_stack_files(project: Path, tally: Tally) -> None:
    rng = random.Random(20261201)
    original = (FIXTURE / "Pulumi.dev.yaml").read_text()
    stack_file = project / "Pulumi.dev.yaml"
    output = project.parent / "plan.json"
    for number in cases(160):
        if number % 3 == 0:
            case, data, invalid = textual(rng, original)
        else:
            case, text, invalid = structural(rng, original)
            data = text.encode()
        stack_file.write_bytes(data)
        command = rng.choice([["plan", "dev", "--format", "json", "--output", str(output)], ["policy-config", "dev"]])
        check(
            tally,
            case,
            [*command, "--project", str(project)],
            project,
            ("Pulumi.dev.yaml",),
            must_fail=invalid or (case == "empty" and command[0] == "plan"),
            output=output if command[0] == "plan" else None,
        )


# --- Policy files ------------------------------------------------------------------------------------------

POLICIES = ["ml-keyvault-01", "ml-keyvault-05", "ml-stack-03", "ml-cost-01", "ml-protect-01", "ml-aks-14", "ml-nope-99"]
WAIVER_FIELDS = {
    "policy": ["ml-keyvault-04", "ml-nope-01", "keyvault", 4, None],
    "resource": ["*", "", "   ", ["x"], "urn:pulumi:dev::*"],
    "reason": ["Migration tracked in the ticket.", "short", " " * 12, 12, None],
    "owner": ["ml-platform", "", {"team": "x"}],
    "ticket": ["PLAT-1", "", 7],
    "expires": ["2027-01-31", "2026-02-30", "2099-01-01", "soon", 20270131, "2020-01-01"],
    "stacks": [["dev"], "dev", [""], [1]],
}


def policy_document(rng: random.Random) -> Any:
    document: dict[str, Any] = {}
    if rng.random() < 0.6:
        document["enforcement"] = {
            rng.choice(POLICIES): rng.choice(["mandatory", "advisory", "disabled", "blocking", 1, None, []])
            for _ in range(rng.randrange(1, 3))
        }
    if rng.random() < 0.5:
        document["thresholds"] = {
            rng.choice(POLICIES): {
                rng.choice(["maxRotationDays", "maxGpuNodes", "azureBudgetCurrency", "bogus", "1x"]): rng.choice(
                    [30, 400, 0, -1, 1.5, "lots", True, None, [], float("inf"), "EUR", "euro"]
                )
            }
        }
    if rng.random() < 0.5:
        waiver = {key: rng.choice(values) for key, values in WAIVER_FIELDS.items() if rng.random() < 0.9}
        document["waivers"] = [waiver] if rng.random() < 0.9 else waiver
    if rng.random() < 0.1:
        document[rng.choice(["budget", "levels", "waiver"])] = 1
    if rng.random() < 0.05:
        return rng.choice([[], "text", 3])
    return document


def test_policy_files(project: Path, tally: Tally) -> None:
    rng = random.Random(7)
    for number in cases(140):
        stack = rng.choice(["dev", "prod"])
        path = project / f"Policy.{stack}.yaml"
        document = policy_document(rng)
        text = yaml.safe_dump(document, sort_keys=False)
        if number % 10 == 0:
            text += rng.choice(["enforcement: {}\n", "waivers: !!set {a}\n", "\x00", "thresholds: &t [*t]\n"])
        path.write_text(text)
        command = ["policy-config", stack] if number % 4 else ["plan", stack, "--format", "json"]
        check(tally, f"policy:{stack}:{text[:80]}", [*command, "--project", str(project)], project,
              (f"Policy.{stack}.yaml", "policies/waivers.yaml"))  # fmt: skip
        path.unlink()


# --- Command lines -----------------------------------------------------------------------------------------


def command_line(rng: random.Random, scratch: Path) -> tuple[list[str], tuple[str, ...]]:
    command = rng.choice(["plan", "plan", "policy-config", "graph", "promote", "rollout", "bogus"])
    argv = [command, rng.choice(["dev", "dev", "prod", "prod", "nope", "", "../dev", "dev prod", "dév", "-", "--"])]
    outputs = [
        *(str(scratch / name) for name in ("out.json", "file.txt/x.json", "link.json", "new/deeper/out.dot")),
        *(str(scratch), "/dev/null", "-", ""),
    ]
    values: dict[str, Callable[[], str]] = {
        "--format": lambda: rng.choice(["table", "json", "markdown", "sarif", "junit", "xml", ""]),
        "--output": lambda: rng.choice(outputs),
        "--timeout": lambda: rng.choice(["nan", "inf", "-1", "0", "1e999", "soon", "300", "0.001", "86401"]),
        "--policy-config": lambda: rng.choice(
            [str(scratch / "missing.yaml"), str(scratch), str(scratch / "file.txt"), str(FIXTURE / "Pulumi.yaml")]
        ),
        "--baseline": lambda: rng.choice([str(scratch / "missing.json"), str(scratch / "file.txt"), str(scratch)]),
        "--project": lambda: rng.choice([str(FIXTURE)] * 4 + [str(scratch), str(scratch / "file.txt"), "/nope"]),
        "--model": lambda: rng.choice(["fraud-detector", "", "x" * 300]),
        "--endpoint": lambda: rng.choice(["fraud", "", "nope"]),
        "--cloud": lambda: rng.choice(["azure", "gcp", "aws"]),
        "--alias": lambda: rng.choice(["champion", "@", ""]),
    }
    # Always a --project: without one the command would find the repository's own Pulumi.yaml.
    for option in ["--project", *rng.sample(sorted(set(values) - {"--project"}), rng.randrange(0, 4))]:
        argv += [option, values[option]()]
    if rng.random() < 0.2:
        argv.append(rng.choice(["--no-policies", "--dry-run", "--keep-aliases", "--bogus", "--version"]))
    names = ("Pulumi", "Policy", "baseline", "--", "argument", "usage", "stack", "project", "error: ")
    return argv, names


def test_command_lines(tmp_path: Path, tally: Tally) -> None:
    rng = random.Random(11)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "file.txt").write_text("not a plan\n")
    (scratch / "link.json").symlink_to("file.txt")
    fixture = listing(FIXTURE)
    for _ in cases(140):
        argv, names = command_line(rng, scratch)
        check(tally, "argv:" + " ".join(argv)[:60], argv, scratch, names)
        for created in ("out.json", "new"):
            target = scratch / created
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    assert listing(FIXTURE) == fixture

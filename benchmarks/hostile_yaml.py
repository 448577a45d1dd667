"""Hostile YAML: how long the strict reader takes to refuse an input, and how much memory that costs.

    python benchmarks/hostile_yaml.py

Each case is a stack file someone could commit: a billion-laughs alias bomb (10^9 values once expanded, 500
bytes), a flat list of aliases and one of numbers filling the 1 MiB size bound, absurd nesting, and the repository's
prod stack file as the legitimate baseline. Each runs in a fresh process, so that its peak resident memory is its
own; the figure printed is the growth over the interpreter with aiscale imported. Goal: every hostile case refused
within a second and a few MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MEASURE = """
import json, resource, sys, time
from pathlib import Path
from aiscale.core import strict_yaml
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    strict_yaml.load(data, "case")
    outcome = "accepted"
except strict_yaml.YamlInputError as error:
    outcome = str(error).split(": ", 1)[1]
seconds = time.perf_counter() - started
growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"seconds": seconds, "kib": growth, "outcome": outcome}))
"""


def cases() -> dict[str, bytes]:
    bomb = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for level in range(1, 10):
        bomb += f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]\n"
    flat_aliases = "a: &a x\nb: [" + ", ".join(["*a"] * 250_000) + "]\n"
    flat_numbers = "b: [" + ", ".join(["1"] * 340_000) + "]\n"
    return {
        "alias bomb (10^9 values, 0.5 KB)": bomb.encode(),
        f"flat aliases ({len(flat_aliases) // 1024} KiB)": flat_aliases.encode(),
        f"flat numbers ({len(flat_numbers) // 1024} KiB)": flat_numbers.encode(),
        "nesting 100,000 levels": ("[" * 100_000 + "]" * 100_000).encode(),
        "stacks/Pulumi.prod.yaml (legitimate)": (REPO / "stacks" / "Pulumi.prod.yaml").read_bytes(),
    }


def main() -> None:
    import tempfile  # noqa: PLC0415

    print(f"{'case':<40} {'seconds':>8} {'MB':>6}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, data in cases().items():
            path = Path(folder) / "case.yaml"
            path.write_bytes(data)
            completed = subprocess.run(
                [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
            )
            result = json.loads(completed.stdout)
            print(f"{name:<40} {result['seconds']:>8.3f} {result['kib'] / 1024:>6.1f}  {result['outcome'][:60]}")


if __name__ == "__main__":
    main()

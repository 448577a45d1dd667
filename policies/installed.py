"""Where the installed policy pack is, for ``pulumi preview --policy-pack``: ``aiscale-policy-pack``.

The repository runs ``policies/`` itself, with the project's virtualenv (``policies/PulumiPolicy.yaml``). An
installed aiscale has no such virtualenv next to it; its pack (``aiscale/policies/pack``) runs with the Python
first on PATH. ``aiscale-policy-pack`` prints that directory; ``--output DIR`` writes a copy of the manifest and
entry point pinned to the virtualenv this command runs in, for a ``pulumi`` started without activating it.
"""

import argparse
import sys
from importlib.resources import files
from pathlib import Path

import yaml

#: The installed pack, inside the package.
PACK = Path(str(files("aiscale.policies").joinpath("pack")))


def pinned_pack(directory: Path) -> Path:
    """Write ``PulumiPolicy.yaml`` (pinned to this virtualenv) and ``__main__.py`` into ``directory``."""
    if sys.prefix == sys.base_prefix:
        raise SystemExit("error: aiscale is not installed in a virtualenv; activate the environment instead")
    manifest = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    manifest["runtime"] = {"name": "python", "options": {"virtualenv": sys.prefix}}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "PulumiPolicy.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    (directory / "__main__.py").write_text((PACK / "__main__.py").read_text())
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aiscale-policy-pack", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="write a copy pinned to this virtualenv into this directory")
    args = parser.parse_args(argv)
    print(pinned_pack(args.output) if args.output else PACK)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

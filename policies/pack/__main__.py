"""Entry point of the installed policy pack: the pack of ``aiscale.policies``, as the repository's ``policies/``."""

import runpy

runpy.run_module("aiscale.policies", run_name="__main__")

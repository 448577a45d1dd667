"""Prod protection (catalogue row 47): every stateful resource of a prod stack carries Pulumi's ``protect`` option.

Which types are stateful is decided in one place, :mod:`aiscale.core.stateful`, shared with the pull-request
comment. Turning protection off in prod (``protect_stateful: false``, or a program that never sets ``protect``) is
therefore a finding on every stateful resource, mandatory in prod and waivable only centrally.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core.stateful import STATEFUL
from aiscale.policies._support import Rule, resource_policy


def _protected_in_prod(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    # Outside prod, stateful resources may be unprotected (the protect_stateful presets): the rule is about prod.
    if config.get("environment") == "prod" and not args.opts.protect:
        yield (
            "a stateful resource of a prod stack is not protected: `pulumi destroy` or a removed line would delete "
            "its data (aiscale: protect_stateful must stay true in prod)"
        )


POLICIES = [
    resource_policy(
        Rule(
            "ml-protect-01",
            "Stateful resources protected in prod",
            "In prod, every stateful resource (keys, vaults, workspaces, registries, storage, databases, clusters, "
            "resource groups: aiscale.core.stateful) carries Pulumi's protect option.",
            Severity.HIGH,
            ("CKV_GCP_82", "TF:lifecycle.prevent_destroy"),
            "The protect option absent means unprotected.",
            "Keep aiscale:protect_stateful true in prod (its preset), or create the resource with "
            "ResourceOptions(protect=True); a central waiver covers a planned deletion.",
            "Protection",
        ),
        (STATEFUL,),
        _protected_in_prod,
    ),
]

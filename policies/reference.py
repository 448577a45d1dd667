"""The policy pack's reference (docs/policies.md), generated from the rules themselves.

python -m aiscale.policies.reference > docs/policies.md
"""

from __future__ import annotations

import json

from pulumi_policy import ResourceValidationPolicy

from aiscale.policies import all_policies, documented_defaults, enforcement

HEADER = """# Policy pack

Generated from `aiscale.policies` by `python -m aiscale.policies.reference`; a test fails when this file and the
policies disagree.

`policies/` is a CrossGuard policy pack. Policy definitions live in `aiscale.policies` (one module per area,
importable without side effects); `policies/__main__.py` only assembles the `PolicyPack`. The policies apply to
**any** resource of the types they name — raw provider resources in another team's program as much as aiscale's
components — and each one says what an absent property means, because an unset property is simply absent on the
wire (provider defaults are not filled in before policies run).

## Other teams' programs
- **Both Azure providers.** Azure policies judge azure-native resources and their classic `pulumi-azure`
  equivalents (Key Vaults and keys, storage accounts and containers, AKS clusters and node pools, network security
  groups and rules, ML workspaces and compute, tags, and the stack policies' private endpoints, diagnostic
  settings, budgets and alerts) with one rule per check: each provider's property names and documented defaults
  are a `Shape` in the policy's module.
- **Placement from the provider.** A policy that needs a resource's location or project reads the resource, else
  its provider: the default provider's stack config (`azure-native:location`, `azure:location`, `gcp:project`,
  `gcp:region`) or an explicit provider's inputs. Whether an Azure resource takes tags comes from its SDK class.
- **Nothing skipped silently.** A policy that does not apply to a resource says why (`not applicable`, with the
  reason); every report shows it: the plan JSON's `notEvaluated` (`kind: not-applicable`), a table line, a markdown
  section, a SARIF `notApplicable` result, a skipped JUnit case.
- **Measured on public programs.** `tests/fixtures/programs/` holds public Pulumi programs (Pulumi's templates and
  examples, both Azure providers, Google Cloud, Kubernetes objects) with the findings an expert expects;
  `tests/test_corpus.py` reports the pack's recall and false positives on them.

## Where policies run
- **Offline**, in `aiscale plan STACK`: the pack runs through pulumi-policy's own analyzer, in process, against the
  recorded registrations (resource policies per resource, stack policies once). Violations go to the plan's
  `violations`; any mandatory one makes `aiscale plan` exit 1. Reports: `--format table|json|markdown|sarif|junit`.
  With the pinned pulumi-policy series (1.21) the analyzer converts each resource's properties from protobuf once
  per evaluation instead of once per policy (each policy still deserialises its own copy); another version runs
  unchanged. The findings are the same either way (`tests/test_policy_speedups.py`).
- **For real**, in `pulumi preview`: `aiscale policy-config STACK --output policy-config.json`, then
  `pulumi preview --policy-pack policies --policy-pack-config policy-config.json`. The file carries the same
  levels, thresholds, environment and stack waivers the offline run applies (every policy with an explicit level:
  a policy without one would silently default to advisory).

## Enforcement by environment
`policies/enforcement.yaml` sets each policy's level per environment: mandatory in prod for the catalogue's M rows,
mandatory everywhere for its "M everywhere" rows, advisory otherwise. The environment is the stack's
(`aiscale:environment`, else its name: docs/configuration.md#environment); a stack whose environment is unknown
gets dev enforcement and a warning in every report format. A stack changes levels, thresholds and adds its own
waivers in `Policy.<stack>.yaml` beside `Pulumi.<stack>.yaml` (or the file `--policy-config` names, which must
exist):

```yaml
enforcement:
  ml-aks-13: mandatory          # raise: a Standard tier in staging too
thresholds:
  ml-aks-14: {maxGpuNodes: 8}
waivers:
  - policy: ml-aks-06
    resource: azure-aks-cluster
    reason: The subscription lacks the EncryptionAtHost feature until the platform team enables it.
    owner: ml-platform
    ticket: PLAT-977
    expires: 2027-03-31
```

Thresholds are typed by each policy's config schema (a number where a number is expected, within its minimum;
a pattern for text): a wrong one is an error naming the file, the policy and the threshold.

**Prod's floor.** In prod, `Policy.<stack>.yaml` may raise levels and tighten thresholds, but never lower a policy
that `enforcement.yaml` makes mandatory in prod: setting it advisory or disabled, or loosening one of its
thresholds (`max…` thresholds loosen upwards, `min…` downwards, `require…` by turning false; other thresholds,
such as a currency, describe facts and may change), is an error (exit 2) unless the central registry carries an
**enforcement waiver** for that policy and stack:

```yaml
# policies/waivers.yaml
enforcement_waivers:
  - policy: ml-aks-13
    stacks: [prod-eu]
    allow: advisory           # thresholds (looser thresholds only) | advisory | disabled
    reason: The EU subscription cannot buy the Standard tier until the new agreement is signed.
    owner: ml-platform
    ticket: PLAT-1201
    expires: 2027-03-31
```

A lowered policy is listed in every report (the plan JSON's `loweredPolicies`). `aiscale policy-config` hands the
real preview exactly the same levels, so the floor holds there too.

**Disabled is not silent.** A disabled policy still runs offline: its findings are reported as *disabled* (the
plan JSON's `disabled`, a table line, a markdown section, SARIF results suppressed as disabled, skipped JUnit
cases), never as violations and never dropped.

## Waivers
A waiver names the policy (one the pack has: a waiver for an unknown policy is an error), the resource (a glob on
its URN, or on its name when the pattern does not start with `urn:`), a reason, an owner, a ticket and an expiry
date no more than `max_expiry_days` ahead (365, set in `policies/waivers.yaml`: renew a waiver rather than
setting a far expiry); the central registry may also limit it to stack name globs. A waived finding is reported
as *not applicable* with the waiver's reason (the plan's `waived` list, SARIF suppressions, skipped JUnit cases) —
visible, never silent. An expired waiver stops applying and the finding says which waiver expired. **In prod,
mandatory policies accept only waivers of the central registry**; a stack's own waivers apply elsewhere.

Policy files, the enforcement defaults and the registry are read strictly (docs/offline-engine.md): a duplicate
key, an impossible date (`2026-02-30`), a blank reason or a tag such as `!!set` is an error naming the file and
the field.
"""


def _levels(policy_id: str) -> str:
    levels = enforcement.defaults().get(policy_id, enforcement.EnvironmentLevels())
    return " / ".join(f"{env}: {getattr(levels, env)}" for env in enforcement.ENVIRONMENTS)


def render() -> str:
    lines = [HEADER]
    areas: dict[str, list] = {}
    for policy in all_policies():
        rule = policy.aiscale_rule
        kind = "resource" if isinstance(policy, ResourceValidationPolicy) else "stack"
        areas.setdefault(rule.area, []).append((rule, kind))
    for area, entries in areas.items():
        lines += [f"## {area}", ""]
        for rule, kind in entries:
            lines.append(f'<a id="{rule.id}"></a>**{rule.id} — {rule.title}** ({rule.severity.value}, {kind} policy).')
            lines.append(f"{rule.description} *Absent:* {rule.absent} *Remediation:* {rule.remediation}")
            lines.append(f"Anchors: {', '.join(rule.anchors)}. Default enforcement: {_levels(rule.id)}.")
            if rule.config:
                config = ", ".join(
                    f"`{key}` (default {json.dumps(spec.get('default'))})" for key, spec in rule.config.items()
                )
                lines.append(f"Config: {config}.")
            lines.append("")
    lines += [
        "## What an absent property means, from the SDK",
        "",
        "An unset property is absent on the wire, so each policy reads it as the provider documents its default. "
        "Where the installed provider SDK states that default, the policy relies on these words "
        "(`tests/test_policy_defaults.py` fails when an SDK upgrade changes them):",
        "",
        "| Provider | Property | Absent means | SDK docstring | It says |",
        "|---|---|---|---|---|",
    ]
    for provider, field in documented_defaults():
        lines.append(
            f"| {provider} | `{'.'.join(field.path)}` | `{json.dumps(field.absent)}` | `{field.sdk}` | {field.says} |"
        )
    lines += [
        "",
        "Three defaults come from the service's documentation, not from the SDK: GKE enrols a Standard cluster "
        "created without a release channel in the REGULAR channel (`ml-gke-08`); the node pools of a cluster with "
        "workload identity run the GKE metadata server unless they say otherwise (`ml-gke-05`); and Google Cloud "
        "applies an ingress firewall rule that names no source ranges, tags or service accounts to 0.0.0.0/0 "
        "(`ml-net-02`).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")

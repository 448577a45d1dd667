"""Evaluating the aiscale policy pack against an offline run, through the real pulumi-policy analyzer in process.

What the Pulumi CLI does before it hands resources to an analyzer, this module does too: every policy gets an
explicit enforcement level and its config-schema defaults (``Configure``); resource references are downgraded to
their ids (or URNs) and internal ``__`` properties dropped; URNs are those a real engine would build (the recorder
normalises the mock engine's). Resource policies run per resource (``Analyze``), stack policies once over all of
them (``AnalyzeStack``). The analyzer class is private to pulumi-policy, pinned to a minor series in
``pyproject.toml``; ``tests/test_policy_engine.py`` fails loudly if its shape changes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.metadata
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, Policy, ResourceValidationPolicy
from pulumi_policy import policy as analyzer_module
from pulumi_policy.policy import _PolicyAnalyzerServicer

from aiscale.core import __version__
from aiscale.core.config.environment import (
    ENVIRONMENT_KEY,
    FALLBACK,
    resolve_environment,
    unknown_environment_warning,
)
from aiscale.core.engine import RecordedRun, Registration
from aiscale.core.errors import AiscaleError
from aiscale.core.plan import Disabled, Enforcement, NotEvaluated, PolicyReport, Violation, Waived
from aiscale.core.policy_pack import PolicyPack
from aiscale.core.project import PulumiProject
from aiscale.policies._support import Rule, type_matches

PACK_NAME = "aiscale"
_LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
}
_ENFORCEMENT: dict[int, Enforcement] = {analyzer_pb2.ADVISORY: "advisory", analyzer_pb2.MANDATORY: "mandatory"}
_RESOURCE_SIG = rpc._special_resource_sig
_SIG = rpc._special_sig_key
_SIG_BYTES = _SIG.encode()


class PolicyConfigError(AiscaleError):
    """A policy config, enforcement or waiver file does not validate."""


def stack_policy_file(run: RecordedRun) -> Path:
    """``Policy.<stack>.yaml`` next to the stack's ``Pulumi.<stack>.yaml``."""
    return run.project.stack_config_dir / f"Policy.{run.stack}.yaml"


def evaluate(
    run: RecordedRun, *, config_file: Path | None = None, policies: Sequence[Policy] | None = None
) -> PolicyReport:
    """Run the pack (or ``policies``) against ``run``; config from ``config_file`` or the stack's default file."""
    from aiscale.policies import all_policies  # noqa: PLC0415 - heavy, only when evaluating

    chosen = list(policies) if policies is not None else all_policies()
    environment = run.environment or FALLBACK
    path, shown = _config_path(run.project, run.stack, config_file)
    config = _policy_config(
        environment, run.stack, path, shown, stack_thresholds(run.config.values, run.project, run.stack)
    )
    with _no_cyclic_collection():
        return _Evaluation(run, chosen, config, environment, shown if path.is_file() else None).report()


@contextlib.contextmanager
def _no_cyclic_collection() -> Iterator[None]:
    """Evaluating allocates millions of short-lived objects, all freed by reference counting; left on, the cyclic
    collector would start full collections that walk every object the recorded run holds (over a million at
    8,000 resources: about 40% of the evaluation's time). Cycles made meanwhile are collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The pulumi-policy series whose analyzer ``_ConvertOnce`` was checked against (``pyproject.toml`` pins it).
ANALYZER_SERIES = "1.21."


def conversion_cache_fits(version: str) -> bool:
    """Whether pulumi-policy ``version``'s analyzer converts properties the way :class:`_ConvertOnce` relies on:
    through its module's ``json_format``, then ``deserialize_properties``, which copies what it is given."""
    return version.startswith(ANALYZER_SERIES) and getattr(analyzer_module, "json_format", None) is json_format


@functools.cache
def _analyzer_version() -> str:
    return importlib.metadata.version("pulumi-policy")


class _ConvertOnce:
    """``json_format`` as pulumi-policy's analyzer sees it while it analyses: the analyzer converts a resource's
    properties (a protobuf ``Struct``) to a dict once for every policy it runs on the resource, then deserialises
    that dict into the policy's own copy. The conversion is a pure function of the message, so each distinct
    message is converted once per evaluation (keyed by its deterministic wire form); every policy still gets its
    own deserialised copy, as in a real preview. Another analyzer version runs as it is (slower, same findings).
    """

    def __init__(self) -> None:
        self._converted: dict[bytes, dict[str, Any]] = {}

    def MessageToDict(self, message: Any, **options: Any) -> dict[str, Any]:  # json_format's name
        if options or not isinstance(message, struct_pb2.Struct):
            return json_format.MessageToDict(message, **options)
        key = message.SerializeToString(deterministic=True)
        converted = self._converted.get(key)
        if converted is None:
            converted = self._converted[key] = json_format.MessageToDict(message)
        return converted

    @classmethod
    @contextlib.contextmanager
    def installed(cls) -> Iterator[None]:
        """The analyzer module's ``json_format`` is a new cache while the block runs, if the analyzer fits."""
        if not conversion_cache_fits(_analyzer_version()):
            yield
            return
        setattr(analyzer_module, "json_format", cls())  # noqa: B010 - a name the analyzer module does not export
        try:
            yield
        finally:
            setattr(analyzer_module, "json_format", json_format)  # noqa: B010


def policy_config_for_stack(
    project_dir: Path,
    stack: str,
    config_file: Path | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The ``--policy-pack-config`` document of ``stack`` for a real ``pulumi preview``: the levels, thresholds,
    environment and stack waivers the offline evaluation applies (prod's floor included), every policy with an
    explicit level. ``on_warning`` hears that the stack's environment is unknown (and which one applied)."""
    from aiscale.core.engine.stack_config import read_runtime_config  # noqa: PLC0415
    from aiscale.core.project import load_project  # noqa: PLC0415
    from aiscale.policies import enforcement  # noqa: PLC0415

    project = load_project(project_dir)
    runtime = read_runtime_config(project, stack)
    environment = resolve_environment(
        stack, runtime.values.get(ENVIRONMENT_KEY), project.display_path(project.stack_file(stack))
    )
    path, shown = _config_path(project, stack, config_file)
    config = _policy_config(
        environment or FALLBACK, stack, path, shown, stack_thresholds(runtime.values, project, stack)
    )
    if environment is None and on_warning is not None:
        on_warning(unknown_environment_warning(stack, FALLBACK))
    return json.loads(json.dumps(enforcement.cli_config(config), default=str))


def _config_path(project: PulumiProject, stack: str, given: Path | None) -> tuple[Path, str]:
    """The policy config file to read and how to name it: a file given on the command line must exist."""
    if given is None:
        path = project.stack_config_dir / f"Policy.{stack}.yaml"
        return path, project.display_path(path)
    if not given.is_file():
        problem = "is a directory" if given.is_dir() else "does not exist"
        raise PolicyConfigError(f"--policy-config {given}: {problem}; pass a Policy.<stack>.yaml file")
    return given, project.display_path(given)


#: Stack config keys that set a policy threshold, the same offline and in a real preview: ``aiscale:<key>`` gives
#: ``<threshold>`` of ``<policy>`` (a ``Policy.<stack>.yaml`` threshold still overrides it).
STACK_THRESHOLDS = {"aiscale:allowed_locations": ("ml-residency-01", "allowedLocations")}


def stack_thresholds(values: Mapping[str, str], project: PulumiProject, stack: str) -> dict[str, dict[str, Any]]:
    """The thresholds the stack's own config sets (its runtime config ``values``, JSON text for lists)."""
    found: dict[str, dict[str, Any]] = {}
    for key, (policy, threshold) in STACK_THRESHOLDS.items():
        text = values.get(key)
        if not text:
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            where = project.display_path(project.stack_file(stack))
            raise PolicyConfigError(f"invalid stack configuration in {where}:\n  {key}: expected a list of names")
        found.setdefault(policy, {})[threshold] = value
    return found


def _policy_config(
    environment: str, stack: str, path: Path, shown: str, from_stack: Mapping[str, Mapping[str, Any]]
) -> Any:
    from aiscale.policies import all_policies, enforcement, waivers  # noqa: PLC0415

    try:
        stack_config = enforcement.load_stack_config(path, shown)
        # The stack's config is checked against the whole pack, whichever policies run.
        schemas = {p.name: dict(p.aiscale_rule.config) for p in all_policies()}
        return enforcement.policy_config(
            schemas, environment, stack_config, shown, stack_name=stack, from_stack=from_stack
        )
    except (enforcement.EnforcementError, waivers.WaiverError) as error:
        raise PolicyConfigError(str(error)) from None


class _Evaluation:
    def __init__(
        self, run: RecordedRun, policies: Sequence[Policy], config: Any, environment: str, config_file: str | None
    ) -> None:
        self.run = run
        self.policies = policies
        self.config: Mapping[str, tuple[str, Mapping[str, Any]]] = config.policies
        self.result = PolicyReport(
            levels={name: level for name, (level, _) in self.config.items()},
            lowered=list(config.lowered),
            environment=environment,
            config_file=config_file,
        )
        self.by_urn = {r.urn: r for r in run.registrations}
        self._servicers: dict[frozenset[str], _PolicyAnalyzerServicer] = {}
        self._per_type: dict[str, frozenset[str]] = {}
        self._defaults: dict[str, analyzer_pb2.AnalyzerProviderResource | None] = {}
        self._providers: dict[str, analyzer_pb2.AnalyzerProviderResource | None] = {}
        self.resource_policies = [p for p in policies if isinstance(p, ResourceValidationPolicy)]
        self.stack_policies = [p for p in policies if not isinstance(p, ResourceValidationPolicy)]
        self.descriptions = {p.name: p.description for p in policies}

    # Each resource goes to an analyzer holding only the policies that apply to its type: the analyzer
    # deserialises a resource's properties once per policy, so this keeps the cost per resource small.
    def _servicer(self, names: frozenset[str]) -> _PolicyAnalyzerServicer:
        servicer = self._servicers.get(names)
        if servicer is None:
            chosen = [p for p in self.policies if p.name in names]
            servicer = _PolicyAnalyzerServicer(PACK_NAME, __version__, chosen, EnforcementLevel.ADVISORY)
            request = analyzer_pb2.ConfigureAnalyzerRequest()
            for policy in chosen:
                level, properties = self.config[policy.name]
                entry = request.policyConfig[policy.name]
                # A disabled policy still runs (as advisory): its findings are reported as disabled.
                entry.enforcementLevel = _LEVELS["advisory" if level == "disabled" else level]
                entry.properties.update(json.loads(json.dumps(properties, default=str)))
            servicer.Configure(request, None)
            self._servicers[names] = servicer
        return servicer

    def _policies_for(self, resource_type: str) -> frozenset[str]:
        names = self._per_type.get(resource_type)
        if names is None:
            names = frozenset(p.name for p in self.resource_policies if _applies(p, resource_type))
            self._per_type[resource_type] = names
        return names

    def report(self) -> PolicyReport:
        resources = [self._analyzer_resource(r) for r in self.run.registrations]
        types = [r.type for r in self.run.registrations]
        present = set(types)
        stack_analyses = [
            (policy.name, [resources[i] for i in stack_selection(policy, types)]) for policy in self.stack_policies
        ]
        # Every analyzer is built (and configured) before the analyses, which alone convert properties once.
        for names in {self._policies_for(t) for t in present} | {frozenset({name}) for name, _ in stack_analyses}:
            if names:
                self._servicer(names)
        with _ConvertOnce.installed():
            for registration, resource in zip(self.run.registrations, resources, strict=True):
                names = self._policies_for(registration.type)
                if names:
                    response = self._servicers[names].Analyze(self._analyze_request(resource), None)
                    self._collect(response, registration.urn)
            for name, chosen in stack_analyses:
                request = analyzer_pb2.AnalyzeStackRequest(resources=chosen)
                self._collect(self._servicers[frozenset({name})].AnalyzeStack(request, None), None)
        return self.result

    @staticmethod
    def _analyze_request(resource: analyzer_pb2.AnalyzerResource) -> analyzer_pb2.AnalyzeRequest:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=resource.properties,
            urn=resource.urn,
            name=resource.name,
            options=resource.options,
        )
        if resource.HasField("provider"):
            request.provider.CopyFrom(resource.provider)
        return request

    def _collect(self, response: analyzer_pb2.AnalyzeResponse, urn: str | None) -> None:
        for diagnostic in response.diagnostics:
            message = diagnostic.message
            prefix = self.descriptions.get(diagnostic.policyName, "") + "\n"
            if message.startswith("can't run policy"):
                self.result.not_evaluated.append(NotEvaluated(diagnostic.policyName, urn or "", message))
                continue
            if self.config[diagnostic.policyName][0] == "disabled":
                self.result.disabled.append(
                    Disabled(diagnostic.policyName, diagnostic.urn or urn, message.removeprefix(prefix))
                )
                continue
            self.result.violations.append(
                Violation(
                    policy=diagnostic.policyName,
                    enforcement=_ENFORCEMENT.get(diagnostic.enforcementLevel, "advisory"),
                    urn=diagnostic.urn or urn,
                    message=message.removeprefix(prefix),
                )
            )
        for entry in response.not_applicable:
            found = list(_not_applicable(entry.policy_name, entry.reason, urn))
            for item in found:
                if isinstance(item, NotEvaluated):
                    self.result.not_evaluated.append(item)
                else:
                    self.result.waived.append(item)
            if not found and urn is not None:
                # Not a waiver: the policy's own reason why it does not apply to this resource.
                self.result.not_evaluated.append(NotEvaluated(entry.policy_name, urn, entry.reason, "not-applicable"))

    def _analyzer_resource(self, registration: Registration) -> analyzer_pb2.AnalyzerResource:
        resource = analyzer_pb2.AnalyzerResource(
            type=registration.type,
            properties=_downgrade(registration.wire_inputs, self.by_urn),
            urn=registration.urn,
            name=registration.name,
            parent=registration.parent or "",
            dependencies=registration.dependencies,
        )
        options = resource.options
        options.protect = registration.protect
        options.ignoreChanges.extend(registration.ignore_changes)
        options.deleteBeforeReplace = registration.delete_before_replace
        options.deleteBeforeReplaceDefined = registration.delete_before_replace
        options.additionalSecretOutputs.extend(registration.additional_secret_outputs)
        options.parent = registration.parent or ""
        for key, value in registration.custom_timeouts.items():
            setattr(options.customTimeouts, key, _seconds(value))
        for key, urns in registration.property_dependencies.items():
            resource.propertyDependencies[key].urns.extend(urns)
        if registration.provider:
            provider = self._explicit_provider(registration.provider.rsplit("::", 1)[0])
            if provider is not None:
                resource.provider.CopyFrom(provider)
        elif registration.custom:
            default = self._default_provider(registration.type.split(":", 1)[0])
            if default is not None:
                resource.provider.CopyFrom(default)
        return resource

    def _explicit_provider(self, urn: str) -> analyzer_pb2.AnalyzerProviderResource | None:
        """The provider resource registered as ``urn``, converted once for all the resources it serves."""
        if urn not in self._providers:
            provider = self.by_urn.get(urn)
            self._providers[urn] = (
                None
                if provider is None
                else analyzer_pb2.AnalyzerProviderResource(
                    type=provider.type,
                    urn=provider.urn,
                    name=provider.name,
                    properties=_downgrade(provider.wire_inputs, self.by_urn),
                )
            )
        return self._providers[urn]

    def _default_provider(self, package: str) -> analyzer_pb2.AnalyzerProviderResource | None:
        """The default provider a real engine registers for ``package``: its inputs are the stack's
        ``<package>:<key>`` config (``azure-native:location``, ``gcp:project``), as the CLI passes them."""
        if package not in self._defaults:
            prefix = f"{package}:"
            config = self.run.config
            inputs = {
                key.removeprefix(prefix): value
                for key, value in config.values.items()
                if key.startswith(prefix) and key not in config.secret_keys
            }
            provider = None
            if inputs and package != "pulumi":
                provider = analyzer_pb2.AnalyzerProviderResource(
                    type=f"pulumi:providers:{package}",
                    name="default",
                    urn=f"urn:pulumi:{self.run.stack}::{self.run.project.name}::pulumi:providers:{package}::default",
                )
                provider.properties.update(inputs)
            self._defaults[package] = provider
        return self._defaults[package]


def stack_selection(policy: Policy, types: Sequence[str]) -> list[int]:
    """The resources (by position) a stack policy is handed: those of the types it reads, and the first of those
    of which it reads only the first (it declares both). The analyzer deserialises every resource it is given once
    per policy; types are matched once each, then by set membership. A policy declaring nothing gets all."""
    declared = getattr(policy, "aiscale_stack_types", None)
    if declared is None:
        return list(range(len(types)))
    present = set(types)
    wanted = {t for t in present if type_matches(t, declared)}
    chosen = [i for i, t in enumerate(types) if t in wanted]
    first_of = getattr(policy, "aiscale_stack_first_of", ())
    candidates = {t for t in present - wanted if type_matches(t, first_of)}
    first = next((i for i, t in enumerate(types) if t in candidates), None)
    if first is not None:
        chosen = sorted([*chosen, first])
    return chosen


def _applies(policy: Policy, resource_type: str) -> bool:
    types = getattr(policy, "aiscale_types", None)
    return True if types is None else type_matches(resource_type, types)


def _seconds(value: str) -> float:
    """Seconds of a Pulumi custom timeout (``10m``, ``1h30m``, ``45s``)."""
    total, number = 0.0, ""
    for char in value:
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number or 0) * {"h": 3600, "m": 60, "s": 1}.get(char, 0)
            number = ""
    return total + float(number or 0)


def _downgrade(inputs: struct_pb2.Struct, by_urn: Mapping[str, Registration]) -> struct_pb2.Struct:
    """Resource references become their id (or URN) and internal ``__`` keys go, as the CLI sends them."""
    wire = inputs.SerializeToString()
    if b"__" not in wire and _SIG_BYTES not in wire:
        return inputs  # neither a reference nor an internal key: nothing to change
    plain = json_format.MessageToDict(inputs)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get(_SIG) == _RESOURCE_SIG:
                urn = value.get("urn", "")
                referenced = by_urn.get(urn)
                return value.get("id") or (referenced.id if referenced and referenced.id else urn)
            return {key: walk(item) for key, item in value.items() if not key.startswith("__")}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    result = struct_pb2.Struct()
    result.update(walk(plain))
    return result


def _not_applicable(policy: str, reason: str, urn: str | None) -> Iterable[Waived | NotEvaluated]:
    from aiscale.policies._support import NOT_EVALUATED  # noqa: PLC0415
    from aiscale.policies.waivers import WAIVED  # noqa: PLC0415

    if urn is not None:
        # A resource policy: the reason is the waiver's note, or another not-applicable reason (not a waiver).
        if reason.startswith(WAIVED):
            yield Waived(policy, urn, reason)
        return
    # A stack policy: "<urn> waived ...; <urn> not evaluated: ...; ..."
    for part in reason.split("; urn:pulumi:"):
        entry = part if part.startswith("urn:pulumi:") else "urn:pulumi:" + part
        target, _, note = entry.partition(f" {WAIVED} ")
        if note:
            yield Waived(policy, target, f"{WAIVED} {note}")
            continue
        target, _, why = entry.partition(f" {NOT_EVALUATED} ")
        if why:
            yield NotEvaluated(policy, target, why, "not-applicable")


class AiscalePack:
    """The pack as core's planner, reports and watch mode use it (``aiscale.core.policy_pack.PolicyPack``)."""

    name = PACK_NAME

    def rules(self) -> Mapping[str, Rule]:
        from aiscale.policies import rules  # noqa: PLC0415 - heavy, only when a report needs the metadata

        return rules()

    def evaluate(self, run: RecordedRun, *, config_file: Path | None = None) -> PolicyReport:
        return evaluate(run, config_file=config_file)

    def config_for_stack(
        self,
        project_dir: Path,
        stack: str,
        config_file: Path | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> dict[str, Any]:
        return policy_config_for_stack(project_dir, stack, config_file, on_warning)

    def files(self) -> list[Path]:
        return sorted(Path(__file__).resolve().parent.glob("*.yaml"))


#: What the entry point ``aiscale.policy_packs:aiscale`` (pyproject.toml) loads.
PACK: PolicyPack = AiscalePack()

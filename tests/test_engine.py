"""The offline engine: what it records, how it names things, and how it fails."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import cast

import pulumi
import pytest
from pulumi_azure_native import keyvault, resources

from aiscale.core.engine import record_program, run_stack
from aiscale.core.engine.bootstrap import strip_aliases
from aiscale.core.engine.isolation import CHILD_GC_THRESHOLDS
from aiscale.core.errors import ConfigError, ProgramError
from tests.conftest import REPO, find


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Box", name, None, opts)
        self.group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name="rg-box",
            location="westeurope",
            tags={"token": pulumi.Output.secret("hunter2")},
            opts=pulumi.ResourceOptions(parent=self, protect=True, ignore_changes=["tags"], retain_on_delete=True),
        )
        self.vault = keyvault.Vault(
            f"{name}-vault",
            resource_group_name=self.group.name,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id="t", sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD)
            ),
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.register_outputs({"groupName": self.group.name})


class Inner(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Inner", name, None, opts)
        Box(f"{name}-box", pulumi.ResourceOptions(parent=self))


def box_program() -> None:
    Box("one")
    pulumi.export("answer", 42)


def test_records_inputs_options_and_dependencies() -> None:
    run = record_program(box_program)
    group = find(run, "azure-native:resources:ResourceGroup", "one-rg")
    vault = find(run, "azure-native:keyvault:Vault", "one-vault")
    component = find(run, "test:index:Box", "one")

    assert [r.name for r in run.registrations] == ["one", "one-rg", "one-vault"]
    assert group.parent == component.urn
    assert group.custom and not component.custom
    assert group.inputs == {"location": "westeurope", "resourceGroupName": "rg-box", "tags": {"token": "[secret]"}}
    assert group.protect and group.retain_on_delete and group.ignore_changes == ["tags"]
    assert vault.delete_before_replace and not vault.protect
    assert vault.dependencies == [group.urn]
    assert vault.property_dependencies["resourceGroupName"] == [group.urn]
    assert vault.inputs["resourceGroupName"] == "[unknown]"  # a preview does not know the group's name output
    assert group.source is not None and group.source.file == "tests/test_engine.py"
    assert run.stack_outputs == {"answer": 42}
    assert component.outputs == {"groupName": "[unknown]"}


def test_secret_stays_a_secret_on_the_wire() -> None:
    run = record_program(box_program)
    group = find(run, "azure-native:resources:ResourceGroup", "one-rg")
    assert group.has_secret_inputs
    assert "hunter2" not in repr(group.inputs)


def test_urns_are_those_of_the_real_engine() -> None:
    run = record_program(lambda: Inner("outer"), stack="prod", project_name="shop")
    vault = find(run, "azure-native:keyvault:Vault", "outer-box-vault")
    assert run.stack_urn == "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod"
    # Full qualified parent type, and no pulumi:pulumi:Stack segment (the SDK's MockMonitor adds one).
    assert (
        vault.urn
        == "urn:pulumi:prod::shop::test:index:Inner$test:index:Box$azure-native:keyvault:Vault::outer-box-vault"
    )
    assert find(run, "test:index:Inner", "outer").urn == "urn:pulumi:prod::shop::test:index:Inner::outer"
    assert find(run, "test:index:Inner", "outer").parent is None


def test_ids_are_unknown_in_preview_and_deterministic_otherwise() -> None:
    preview = record_program(box_program)
    assert find(preview, "azure-native:keyvault:Vault", "one-vault").id is None

    first = record_program(box_program, preview=False)
    second = record_program(box_program, preview=False)
    vault_id = find(first, "azure-native:keyvault:Vault", "one-vault").id
    assert vault_id is not None and vault_id.startswith("one-vault-")
    assert vault_id == find(second, "azure-native:keyvault:Vault", "one-vault").id
    assert find(first, "azure-native:keyvault:Vault", "one-vault").inputs["resourceGroupName"] == "rg-box"


def test_aliases_are_stripped_offline_unless_kept() -> None:
    stripped = record_program(box_program)
    kept = record_program(box_program, keep_aliases=True)
    assert find(stripped, "azure-native:keyvault:Vault", "one-vault").aliases == 0
    # azure-native declares an alias for every historic API version of the type.
    assert find(kept, "azure-native:keyvault:Vault", "one-vault").aliases > 10


def test_alias_stripping_is_only_registered_by_the_offline_engine() -> None:
    users = [
        path.relative_to(REPO).as_posix()
        for folder in ("core", "components", "blueprints", "policies", "stacks")
        for path in (REPO / folder).rglob("*.py")
        if "register_stack_transformation(" in path.read_text()
    ]
    assert users == ["core/engine/bootstrap.py"]


def test_strip_aliases_keeps_everything_else() -> None:
    opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")], protect=True)
    # No resource: strip_aliases reads only the props and options.
    args = pulumi.ResourceTransformationArgs(cast(pulumi.Resource, None), "t:m:T", "n", {"a": 1}, opts)
    result = strip_aliases(args)
    assert (
        result is not None and result.opts.aliases is None and result.opts.protect is True and result.props == {"a": 1}
    )
    assert opts.aliases  # the original options are untouched


def test_config_is_what_the_program_reads() -> None:
    seen: dict[str, object] = {}

    def program() -> None:
        config = pulumi.Config("aiscale")
        seen["owner"] = config.get("owner")
        seen["azure"] = config.get_object("azure")

    record_program(program, config={"aiscale:owner": "team", "aiscale:azure": {"location": "westeurope"}})
    assert seen == {"owner": "team", "azure": {"location": "westeurope"}}


# --- Error paths -------------------------------------------------------------------------------------------


def test_duplicate_urn_is_an_error_as_in_the_real_engine(tmp_path: Path) -> None:
    # Through run_stack: the SDK then fails every pending registration at once, formatting tracebacks in many
    # threads, which Python 3.11's AST module does not survive in the process that keeps running (the child exits).
    root = write_project(
        tmp_path / "p",
        "p",
        """
        from pulumi_azure_native import resources
        resources.ResourceGroup("rg", location="westeurope")
        resources.ResourceGroup("rg", location="northeurope")
        """,
    )
    with pytest.raises(ProgramError) as caught:
        run_stack(root, "dev")
    assert str(caught.value) == (
        "duplicate resource URN urn:pulumi:dev::p::azure-native:resources:ResourceGroup::rg: two resources of type "
        "azure-native:resources:ResourceGroup are named 'rg' (at __main__.py:3 and __main__.py:4); give each a "
        "unique name"
    )


def test_same_name_under_different_parents_is_no_duplicate() -> None:
    run = record_program(lambda: (Box("a"), Inner("b")))
    assert len({r.urn for r in run.registrations}) == len(run.registrations) == 7


def test_program_exception_names_the_line() -> None:
    def program() -> None:
        raise RuntimeError("boom")

    with pytest.raises(ProgramError, match=r"the program failed: RuntimeError: boom\n  at tests/test_engine.py:\d+"):
        record_program(program)


def test_missing_required_property() -> None:
    def program() -> None:
        keyvault.Vault(
            "v",
            properties=keyvault.VaultPropertiesArgs(
                tenant_id="t", sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD)
            ),
        )

    with pytest.raises(ProgramError, match="Missing required property 'resource_group_name'"):
        record_program(program)


def test_hung_output_times_out() -> None:
    def program() -> None:
        never: asyncio.Future[str] = asyncio.get_event_loop().create_future()
        resources.ResourceGroup("rg", location=pulumi.Output.from_input(never))

    import asyncio  # noqa: PLC0415 - used by the program above only

    with pytest.raises(ProgramError, match=r"did not finish within 2 s"):
        record_program(program, timeout=2)


def test_run_error_and_logged_errors() -> None:
    with pytest.raises(ProgramError, match=r"^no region configured$"):
        record_program(lambda: (_ for _ in ()).throw(pulumi.RunError("no region configured")))

    def logs_error() -> None:
        pulumi.log.error("quota exceeded")

    with pytest.raises(ProgramError, match="the program logged errors:\n  quota exceeded"):
        record_program(logs_error)


def test_warnings_are_kept() -> None:
    run = record_program(lambda: pulumi.log.warn("deprecated input"))
    assert run.warnings == ["deprecated input"]


# --- Running projects --------------------------------------------------------------------------------------


def write_project(
    root: Path, name: str, program: str, stack_files: dict[str, str] | None = None, main: str = ""
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n" + (f"main: {main}\n" if main else ""))
    program_dir = root / main if main else root
    program_dir.mkdir(parents=True, exist_ok=True)
    (program_dir / "__main__.py").write_text(textwrap.dedent(program))
    for stack, text in (stack_files or {}).items():
        (root / f"Pulumi.{stack}.yaml").write_text(textwrap.dedent(text))
    return root


def test_another_teams_project_with_local_modules(tmp_path: Path) -> None:
    for team, location in (("alpha", "northeurope"), ("beta", "eastus")):
        root = write_project(
            tmp_path / team,
            team,
            """
            import pulumi
            from helpers import make_group
            make_group(pulumi.Config().require("location"))
            """,
            {"dev": f"config:\n  {team}:location: {location}\n"},
            main="src",
        )
        (root / "src" / "helpers.py").write_text(
            "from pulumi_azure_native import resources\n"
            f"def make_group(location):\n    return resources.ResourceGroup('{team}-rg', location=location)\n"
        )
        run = run_stack(root, "dev")
        # Each project runs its own helpers module although both are called `helpers`.
        assert [(r.name, r.inputs["location"]) for r in run.registrations] == [(f"{team}-rg", location)]
        source = find(run, "azure-native:resources:ResourceGroup", f"{team}-rg").source
        assert source is not None and source.file == "src/helpers.py"


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (
            "import os\nos._exit(0)\n",
            "the program of stack 'dev' ended the process (exit status 0) while importing SDKs and the program",
        ),
        (
            "import os, signal\nfrom pulumi_azure_native import resources\n"
            "resources.ResourceGroup('rg', location='x')\nos.kill(os.getpid(), signal.SIGKILL)\n",
            "the process running stack 'dev' was killed by SIGKILL while",
        ),
        (
            "import os\nos.closerange(3, 1024)\n",
            "the program of stack 'dev' ended the process (exit status 1)",
        ),
    ],
    ids=["os._exit", "signal", "closed pipe"],
)
def test_a_program_that_ends_the_process_is_an_error(tmp_path: Path, program: str, message: str) -> None:
    root = write_project(tmp_path / "p", "p", program)
    with pytest.raises(ProgramError) as caught:
        run_stack(root, "dev")
    assert str(caught.value).startswith(message)
    assert str(caught.value).endswith("no report was made")


def test_timeout_holds_when_the_program_holds_the_interpreter(tmp_path: Path) -> None:
    # The regular expression engine never releases the GIL: no thread of this process could stop it.
    root = write_project(tmp_path / "p", "p", "import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')\n")
    started = time.monotonic()
    with pytest.raises(ProgramError, match=r"^the program of stack 'dev' did not finish within 2 s \(0 resources"):
        run_stack(root, "dev", timeout=2)
    assert time.monotonic() - started < 30


def test_the_config_read_is_inside_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path / "p", "p", "", {"dev": "config: {}\n"})

    def slow_read(*_args: object) -> None:
        time.sleep(60)

    monkeypatch.setattr("aiscale.core.engine.runner.read_runtime_config", slow_read)
    with pytest.raises(ProgramError, match="did not finish within 1 s"):
        run_stack(root, "dev", timeout=1)


def test_each_stack_starts_from_a_clean_state(tmp_path: Path) -> None:
    # The program claims a marker in an installed module and in the environment: state left behind by one stack
    # would make the next one fail.
    root = write_project(
        tmp_path / "p",
        "p",
        """
        import os
        import pulumi
        from pulumi_azure_native import resources
        if getattr(pulumi, "claimed_by", None) or os.environ.get("CLAIMED_BY"):
            raise RuntimeError(f"state leaked from stack {pulumi.claimed_by}")
        pulumi.claimed_by = os.environ["CLAIMED_BY"] = pulumi.get_stack()
        resources.ResourceGroup("rg", location="westeurope")
        """,
    )
    assert [len(run_stack(root, stack).registrations) for stack in ("dev", "staging", "dev")] == [1, 1, 1]


def test_the_childs_collector_runs_in_batches_and_still_frees_cycles(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        "p",
        """
        import gc
        import weakref
        import pulumi

        class Node:
            pass

        freed = []
        first = Node()
        first.me = first
        watcher = weakref.ref(first, lambda _: freed.append(True))
        del first
        for _ in range(250_000):  # cyclic garbage: more than two young generations' worth
            node = Node()
            node.me = node
        pulumi.export("thresholds", list(gc.get_threshold()))
        pulumi.export("collected", bool(freed))
        """,
    )
    outputs = run_stack(root, "dev").stack_outputs
    assert outputs == {"thresholds": list(CHILD_GC_THRESHOLDS), "collected": True}


@pytest.mark.parametrize(
    ("program", "line"),
    [
        ("import os\n\nos.environ['AISCALE_NOT_SET']\n", 3),
        (
            "import os\nimport pulumi\n\n"
            "pulumi.Output.from_input('x').apply(lambda _: os.environ['AISCALE_NOT_SET'])\n",
            4,
        ),
    ],
    ids=["module level", "inside an apply"],
)
def test_errors_point_at_the_programs_line(tmp_path: Path, program: str, line: int) -> None:
    root = write_project(tmp_path / "p", "p", program)
    with pytest.raises(ProgramError) as caught:
        run_stack(root, "dev")
    assert str(caught.value) == f"the program failed: KeyError: 'AISCALE_NOT_SET'\n  at __main__.py:{line}"


def test_an_error_with_no_program_line_gives_no_location(tmp_path: Path) -> None:
    # The SDK fails inside its own asyncio task, serialising an input: no line of the program is involved.
    root = write_project(
        tmp_path / "p",
        "p",
        "from pulumi_azure_native import resources\nresources.ResourceGroup('rg', location=object())\n",
    )
    with pytest.raises(ProgramError) as caught:
        run_stack(root, "dev")
    assert "frozen" not in str(caught.value) and "asyncio" not in str(caught.value)
    assert "\n  at " not in str(caught.value) or "\n  at __main__.py:2" in str(caught.value)


CHARTS = """
import pulumi
import pulumi_kubernetes as kubernetes

ingress = kubernetes.helm.v3.Chart(
    "ingress",
    kubernetes.helm.v3.ChartOpts(
        chart="ingress-nginx",
        version="4.11.3",
        fetch_opts=kubernetes.helm.v3.FetchOpts(repo="https://kubernetes.github.io/ingress-nginx"),
    ),
)
service = ingress.get_resource("v1/Service", "ingress-ingress-nginx-controller")
pulumi.export("ingressIp", service.status.load_balancer.ingress[0].ip)
kubernetes.helm.v4.Chart("certs", chart="oci://quay.io/jetstack/charts/cert-manager", version="v1.16.1")
kubernetes.core.v1.Namespace("apps")
"""

CHART_NOTES = [
    "helm chart ingress, kubernetes:helm.sh/v3:Chart: the Kubernetes provider renders its objects, which an offline "
    "run cannot; they were not evaluated (not listed, not checked by policies)",
    "helm chart certs (chart oci://quay.io/jetstack/charts/cert-manager), kubernetes:helm.sh/v4:Chart: the Kubernetes "
    "provider renders its objects, which an offline run cannot; they were not evaluated (not listed, not checked by "
    "policies)",
]


def test_charts_the_provider_renders_are_named_in_a_note(tmp_path: Path) -> None:
    root = write_project(tmp_path / "charts", "charts", CHARTS, {"dev": "config: {}\n"})
    run = run_stack(root, "dev")
    assert [(r.type, r.name) for r in run.registrations] == [
        ("kubernetes:helm.sh/v3:Chart", "ingress"),
        ("kubernetes:helm.sh/v4:Chart", "certs"),
        ("kubernetes:core/v1:Namespace", "apps"),
    ]
    assert run.notes == CHART_NOTES
    # get_resource of an object the chart would render is unknown, as in a preview, not a KeyError.
    assert run.stack_outputs == {"ingressIp": "[unknown]"}


def test_stack_without_stack_file_runs_with_empty_config(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        "p",
        """
        import pulumi
        pulumi.export("location", pulumi.Config().get("location") or "none")
        """,
    )
    run = run_stack(root, "staging")
    assert run.environment == "staging"
    assert run.stack_outputs == {"location": "none"}
    assert run.notes == ["no Pulumi.staging.yaml: the stack runs with project config only"]


def test_secure_values_become_secret_placeholders(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "s",
        "s",
        """
        import pulumi
        config = pulumi.Config("aiscale")
        pulumi.export("hook", config.get_secret_object("alerts"))
        pulumi.export("plain", pulumi.Config().get("region"))
        """,
        {"dev": "config:\n  aiscale:alerts:\n    webhook: {secure: v1:AAAA}\n  s:region: eu\n"},
    )
    run = run_stack(root, "dev")
    assert run.config.secret_keys == {"aiscale:alerts"}
    assert run.config.secure_paths == ["aiscale:alerts.webhook"]
    assert run.stack_outputs == {"hook": "[secret]", "plain": "eu"}


def test_config_error_registers_nothing(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "c",
        "c",
        """
        from aiscale.blueprints import deploy_stack
        from aiscale.core.config import load_stack_config
        deploy_stack(load_stack_config())
        """,
        {"dev": "config:\n  aiscale:owner: team\n  aiscale:cost_center: cc\n  aiscale:gcp:\n    project: 1\n"},
    )
    registered: list[int] = []
    with pytest.raises(ConfigError) as caught:
        run_stack(root, "dev", on_progress=lambda progress: registered.append(progress.resources))
    assert str(caught.value).splitlines()[0] == "invalid stack configuration in Pulumi.dev.yaml:"
    assert "aiscale:gcp.project: Input should be a valid string (got 1)" in str(caught.value)
    assert registered and set(registered) == {0}


def test_broken_project_files(tmp_path: Path) -> None:
    from aiscale.core.errors import ProjectError  # noqa: PLC0415

    with pytest.raises(ProjectError, match=r"no Pulumi\.yaml here"):
        run_stack(tmp_path, "dev")
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: nodejs\n")
    with pytest.raises(ProjectError, match="runtime: expected python, got 'nodejs'"):
        run_stack(tmp_path, "dev")
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  a: [1,\n")
    with pytest.raises(ProjectError, match=r"Pulumi.dev.yaml: line \d+: not valid YAML"):
        run_stack(tmp_path, "dev")


# --- What a plan imports -------------------------------------------------------------------------------------------

#: Imported by the provider SDK itself: every Kubernetes object's metadata type.
SDK_OWN_IMPORTS = {"pulumi_kubernetes.meta"}
_KUBERNETES_GROUPS = {
    "core": "core",
    "apps": "apps",
    "policy": "policy",
    "helm.sh": "helm",
    "networking.k8s.io": "networking",
}


def service_package(type_token: str) -> str | None:
    """The provider SDK package that defines a resource type (None for components and providers)."""
    package, module, _ = type_token.split(":")
    if package == "azure-native":
        return f"pulumi_azure_native.{module}"
    if package == "gcp":
        return f"pulumi_gcp.{module.split('/')[0]}"
    if package == "kubernetes":
        group = module.split("/")[0]
        if group.endswith("k8s.io") and group.startswith("rbac."):
            return "pulumi_kubernetes.rbac"
        return f"pulumi_kubernetes.{_KUBERNETES_GROUPS.get(group, 'apiextensions')}"  # CRDs: CustomResource
    return None


def test_a_plan_loads_only_the_sdk_services_its_resources_use() -> None:
    # No SDK module may load only because an annotation names it (pulumi evaluates component annotations).
    script = textwrap.dedent(
        """
        import json, sys, types
        from aiscale.core.engine import record_stack
        from aiscale.core.project import load_project
        run = record_stack(load_project(__import__("pathlib").Path(sys.argv[1])), "dev")
        loaded = sorted(
            name for name, module in sys.modules.items()
            if name.split(".")[0] in ("pulumi_azure_native", "pulumi_gcp", "pulumi_kubernetes") and name.count(".") == 1
            and hasattr(module, "__path__") and type(module) is types.ModuleType
        )
        print(json.dumps({"loaded": loaded, "types": sorted({r.type for r in run.registrations})}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(REPO)], capture_output=True, text=True, check=True, timeout=300
    )
    found = json.loads(result.stdout.splitlines()[-1])
    used = {service_package(t) for t in found["types"]} - {None}
    assert set(found["loaded"]) == used | SDK_OWN_IMPORTS

"""GPU machine tables and the rules that validate GPU node pools against them (config, components, policies).

The tables are data (``aiscale/core/data/*.yaml``), each row traceable to the public source named in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


def _load(name: str) -> dict[str, Any]:
    text = resources.files("aiscale.core").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class AzureGpuSku:
    name: str
    series: str
    gpu_model: str
    gpus: int
    gpu_memory_gb: float
    vcpus: int
    memory_gb: float
    partial_gpu: bool
    mig_supported: bool


@cache
def azure_gpu_skus() -> dict[str, AzureGpuSku]:
    data = _load("azure_gpu_skus.yaml")
    mig_models = set(data["mig_profiles_by_gpu_model"])
    return {
        name: AzureGpuSku(
            name=name,
            series=row["series"],
            gpu_model=row["gpu_model"],
            gpus=row.get("gpus", 0),  # fractional-GPU sizes have gpu_fraction instead
            gpu_memory_gb=row["gpu_memory_gb"],
            vcpus=row["vcpus"],
            memory_gb=row["memory_gb"],
            partial_gpu=bool(row.get("partial_gpu", False)),
            # AKS documents MIG per GPU model (A100, H100, H200); profiles are known only for models in the table.
            mig_supported=bool(row.get("mig_supported", False)) or row["gpu_model"] in mig_models,
        )
        for name, row in data.items()
        if name.startswith("Standard_")
    }


@cache
def azure_mig_profiles() -> dict[str, list[str]]:
    """AKS GPU instance profiles allowed per GPU model."""
    return {
        model: list(profiles) for model, profiles in _load("azure_gpu_skus.yaml")["mig_profiles_by_gpu_model"].items()
    }


def azure_pool_problem(vm_size: str, mig_profile: str | None) -> str | None:
    """Why an AKS GPU pool's size and MIG profile do not fit together, or None."""
    skus = azure_gpu_skus()
    sku = skus.get(vm_size)
    if sku is None:
        return f"vm_size {vm_size!r} is not a GPU size aiscale knows; choose one of: {', '.join(sorted(skus))}"
    if sku.partial_gpu:
        return f"vm_size {vm_size!r} has a fraction of a GPU, which AKS GPU pools do not support"
    if mig_profile is None:
        return None
    with_mig = sorted(name for name, candidate in skus.items() if candidate.mig_supported)
    if not sku.mig_supported:
        return (
            f"mig_profile {mig_profile} needs a size whose GPU has known MIG profiles ({', '.join(with_mig)}); "
            f"{vm_size} has {sku.gpu_model}"
        )
    allowed = azure_mig_profiles().get(sku.gpu_model, [])
    if mig_profile not in allowed:
        return f"mig_profile {mig_profile} is not offered for {sku.gpu_model}; choose one of: {', '.join(allowed)}"
    return None


@dataclass(frozen=True)
class GcpGpuMachine:
    name: str
    accelerator_type: str
    gpus: int
    gpu_memory_gb: float
    vcpus: int
    memory_gb: float


@cache
def gcp_gpu_machines() -> dict[str, GcpGpuMachine]:
    data = _load("gcp_gpu_machine_types.yaml")
    return {
        name: GcpGpuMachine(
            name=name,
            accelerator_type=row["accelerator_type"],
            gpus=row["gpus"],
            gpu_memory_gb=row["gpu_memory_gb"],
            vcpus=row["vcpus"],
            memory_gb=row["memory_gb"],
        )
        for name, row in data.items()
        if isinstance(row, dict) and "accelerator_type" in row
    }


@cache
def gcp_partition_sizes() -> dict[str, list[str]]:
    """GKE ``gpu_partition_size`` values allowed per accelerator type."""
    sizes = _load("gcp_gpu_machine_types.yaml")["mig_partition_sizes_by_accelerator"]
    return {accelerator: list(values) for accelerator, values in sizes.items()}


def gcp_pool_problem(machine_type: str, partition_size: str | None) -> str | None:
    """Why a GKE GPU pool's machine type and MIG partition size do not fit together, or None."""
    machines = gcp_gpu_machines()
    machine = machines.get(machine_type)
    if machine is None:
        return f"machine_type {machine_type!r} is not a GPU machine type aiscale knows; choose one of: {', '.join(sorted(machines))}"
    if partition_size is None:
        return None
    allowed = gcp_partition_sizes().get(machine.accelerator_type, [])
    if not allowed:
        with_mig = sorted(gcp_partition_sizes())
        return f"gpu_partition_size needs an accelerator with MIG ({', '.join(with_mig)}); {machine_type} has {machine.accelerator_type}"
    if partition_size not in allowed:
        return f"gpu_partition_size {partition_size!r} is not offered for {machine.accelerator_type}; choose one of: {', '.join(allowed)}"
    return None


def mixed_driver_problem(drivers: dict[str, str]) -> str | None:
    """AKS and NVIDIA: one cluster either lets the GPU operator install drivers or uses the image's, not both."""
    if len(set(drivers.values())) <= 1:
        return None
    listed = ", ".join(f"{pool}: {driver}" for pool, driver in sorted(drivers.items()))
    return (
        f"GPU pools mix driver modes ({listed}); the NVIDIA GPU operator serves one mode per cluster: "
        "give every pool the same driver"
    )

"""Fixed catalogs that requests pick from by name: desktop sizes and toolchain extras.

Teams ask for a size ("gpu-small"), not an instance type, so the DevOps team can move a size to
a newer generation in one place and every desktop follows on the next `pulumi up`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DesktopSize:
    """One desktop size: what it is for and the EC2 instance that serves it."""

    instance_type: str
    vcpus: int
    memory_gib: int
    gpus: int
    home_volume_gib: int
    purpose: str


DESKTOP_SIZES: dict[str, DesktopSize] = {
    "cpu-small": DesktopSize("m7i.large", 2, 8, 0, 100, "notebooks and light analysis"),
    "cpu-medium": DesktopSize("m7i.xlarge", 4, 16, 0, 200, "everyday data science"),
    "cpu-large": DesktopSize("r6i.2xlarge", 8, 64, 0, 500, "in-memory work on large frames"),
    "gpu-small": DesktopSize("g5.xlarge", 4, 16, 1, 200, "model prototyping on one A10G"),
    "gpu-medium": DesktopSize("g5.2xlarge", 8, 32, 1, 500, "fine-tuning on one A10G"),
    "gpu-large": DesktopSize("g6.12xlarge", 48, 192, 4, 1000, "multi-GPU experiments at the desk"),
}

# Toolchain extras a team can ask for; each maps to an Ansible role or package set.
TOOLCHAIN_EXTRAS: dict[str, str] = {
    "nltk": "python_toolchain: nltk and its data from the configured mirror",
    "spark-client": "spark_client: spark-submit configured for the team's cluster",
    "kafka-client": "kafka_client: kcat and client.properties for the team's brokers",
    "cuda": "nvidia: CUDA toolkit on GPU hosts",
    "container-build": "container_runtime: rootless podman for building images",
}

# Python versions the toolchain role can install without downloading interpreters at run time.
PYTHON_VERSIONS: tuple[str, ...] = ("3.10", "3.11", "3.12")

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")

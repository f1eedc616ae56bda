"""How much a team's namespace may request: a ResourceQuota sized from the request.

The GPU line is the request's ``gpu.max_gpus`` exactly (0 without a gpu section), the same
number as the team's NodePool limit, so a team can neither schedule more GPUs than it asked for
nor be blocked below it. CPU and memory default to what the request's sections can use at
their maxima (GPU nodes' CPU share, Spark at max executors, every runner busy) plus a small
base for the history server and CronJobs; ``quota.cpu`` / ``quota.memory_gib`` override.
Services of type LoadBalancer and NodePort are not allowed: team workloads are never exposed
outside the cluster from a namespace. Pure: no Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.components.k8s import names
from infra.request import TeamRequest

BASE_CPU, BASE_MEMORY_GIB = 4, 8
CPU_PER_GPU, MEMORY_GIB_PER_GPU = 8, 48
# Spark sizing used by the defaults the team's SparkApplications start from.
EXECUTOR_CORES, EXECUTOR_MEMORY_GIB = 2, 8
DRIVER_CORES, DRIVER_MEMORY_GIB = 1, 4
RUNNER_CPU, RUNNER_MEMORY_GIB = 1, 2


@dataclass(frozen=True)
class QuotaSize:
    cpu: int
    memory_gib: int
    gpus: int


def quota_size(request: TeamRequest) -> QuotaSize:
    cpu, memory = BASE_CPU, BASE_MEMORY_GIB
    gpus = request.gpu.max_gpus if request.gpu else 0
    cpu += gpus * CPU_PER_GPU
    memory += gpus * MEMORY_GIB_PER_GPU
    if request.spark and request.spark.engine == "operator":
        cpu += DRIVER_CORES + request.spark.max_executors * EXECUTOR_CORES
        memory += DRIVER_MEMORY_GIB + request.spark.max_executors * EXECUTOR_MEMORY_GIB
    if request.ci_runners:
        cpu += request.ci_runners.max_runners * RUNNER_CPU
        memory += request.ci_runners.max_runners * RUNNER_MEMORY_GIB
    return QuotaSize(cpu=request.quota.cpu or cpu,
                     memory_gib=request.quota.memory_gib or memory, gpus=gpus)


def compute_hard(size: QuotaSize) -> dict[str, str]:
    """``spec.hard`` of the compute quota. It is scoped to pods outside the placeholder
    priority class: warm-capacity placeholders must not use up the quota, or a real pod at the
    quota's edge would be refused at admission instead of preempting a placeholder."""
    return {
        "requests.cpu": str(size.cpu),
        "requests.memory": f"{size.memory_gib}Gi",
        f"requests.{names.GPU_RESOURCE}": str(size.gpus),
    }


# The compute quota counts every pod but those of these priority classes: the warm-capacity
# placeholders hold a GPU only until a real pod of the team preempts them.
UNQUOTED_PRIORITY_CLASSES: tuple[str, ...] = (names.PLACEHOLDER_PRIORITY_CLASS,)
OBJECT_HARD = {"services.loadbalancers": "0", "services.nodeports": "0"}


# Containers that state nothing get these, so the quota can count them and none is unbounded.
LIMIT_DEFAULT_REQUEST = {"cpu": "250m", "memory": "512Mi"}
LIMIT_DEFAULT = {"memory": "2Gi"}

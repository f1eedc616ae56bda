"""Spark objects from the request and the profile: spark-defaults, the SparkApplication
template, the schedule, the history server's command, EventBridge cron. Pure: no Pulumi.

Every SparkApplication of the team starts from ``spark-defaults`` (the operator mounts the
ConfigMap named in ``sparkConfigMap`` as SPARK_CONF_DIR): dynamic allocation bounded by the
profile, event logs to the team's bucket (what the history server reads), S3A through the
pod's Pod Identity credentials.
"""

from __future__ import annotations

import re
from typing import Any

from infra.components.k8s import quota
from infra.profiles.model import SparkPolicy

SPARK_APP_API = "sparkoperator.k8s.io/v1beta2"
# S3A for the Hadoop 3.3.4 client bundled with Spark 3.5; an SDK bundle recent enough to read
# EKS Pod Identity credentials (1.12.746 and later).
S3A_PACKAGES = ("org.apache.hadoop:hadoop-aws:3.3.4", "com.amazonaws:aws-java-sdk-bundle:1.12.780")
DEFAULTS_CONFIGMAP = "spark-defaults"
TEMPLATE_CONFIGMAP = "spark-application-template"
SPARK_SERVICE_ACCOUNT = "spark"
HISTORY_PORT = 18080
_VERSION = re.compile(r":(\d+\.\d+\.\d+)")


def spark_version(image: str) -> str:
    """The Spark version an image's tag starts with (``apache/spark:3.5.3`` -> ``3.5.3``)."""
    match = _VERSION.search(image)
    if match is None:
        raise ValueError(f"spark.image {image!r}: its tag must start with the Spark version "
                         "(e.g. apache/spark:3.5.3)")
    return match.group(1)


def event_log_dir(bucket: str) -> str:
    return f"s3a://{bucket}/spark-events/"


def default_job_file(bucket: str) -> str:
    return f"s3a://{bucket}/jobs/retrain.py"


def spark_defaults(policy: SparkPolicy, event_dir: str) -> dict[str, str]:
    return {
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.shuffleTracking.enabled": "true",
        "spark.dynamicAllocation.minExecutors": str(policy.dynamic_allocation_min_executors),
        "spark.dynamicAllocation.maxExecutors": str(policy.dynamic_allocation_max_executors),
        "spark.dynamicAllocation.executorIdleTimeout": f"{policy.executor_idle_timeout_s}s",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": event_dir,
        "spark.jars.packages": ",".join(S3A_PACKAGES),
        "spark.jars.ivy": "/tmp/.ivy2",
        # No encryption settings: objects take the bucket's default (SSE-KMS under the team
        # key); naming an algorithm without a key would fall back to the AWS-managed key.
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
    }


def spark_defaults_conf(conf: dict[str, str]) -> str:
    return "".join(f"{key} {value}\n" for key, value in sorted(conf.items()))


def application_spec(*, team: str, image: str, main_file: str, policy: SparkPolicy,
                     pod_labels: dict[str, str]) -> dict[str, Any]:
    """A SparkApplication spec: Python in cluster mode, sized like the namespace quota assumes."""
    return {
        "type": "Python",
        "pythonVersion": "3",
        "mode": "cluster",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "mainApplicationFile": main_file,
        "sparkVersion": spark_version(image),
        "sparkConfigMap": DEFAULTS_CONFIGMAP,
        "restartPolicy": {"type": "OnFailure", "onFailureRetries": 2,
                          "onFailureRetryInterval": 60, "onSubmissionFailureRetries": 2,
                          "onSubmissionFailureRetryInterval": 60},
        "dynamicAllocation": {
            "enabled": True,
            "initialExecutors": policy.dynamic_allocation_min_executors,
            "minExecutors": policy.dynamic_allocation_min_executors,
            "maxExecutors": policy.dynamic_allocation_max_executors,
        },
        "driver": {"cores": quota.DRIVER_CORES, "memory": f"{quota.DRIVER_MEMORY_GIB - 1}g",
                   "serviceAccount": SPARK_SERVICE_ACCOUNT, "labels": dict(pod_labels)},
        "executor": {"cores": quota.EXECUTOR_CORES,
                     "memory": f"{quota.EXECUTOR_MEMORY_GIB - 1}g",  # + overhead = quota size
                     "labels": dict(pod_labels)},
    }


def application_template(*, team: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The SparkApplication manifest teams copy and adapt (kept in a ConfigMap)."""
    return {"apiVersion": SPARK_APP_API, "kind": "SparkApplication",
            "metadata": {"name": f"{team}-example", "namespace": namespace}, "spec": spec}


def scheduled_spec(schedule: str, template: dict[str, Any]) -> dict[str, Any]:
    """A ScheduledSparkApplication spec; the request's cron is UTC, the operator's zone."""
    return {"schedule": schedule, "concurrencyPolicy": "Forbid", "suspend": False,
            "successfulRunHistoryLimit": 3, "failedRunHistoryLimit": 3, "template": template}


def history_server_command(event_dir: str) -> list[str]:
    """The history server, started through spark-submit so that ``--packages`` puts S3A on
    its class path (the same way start-thriftserver.sh starts an internal class)."""
    return ["/opt/spark/bin/spark-submit", "--master", "local[1]",
            "--packages", ",".join(S3A_PACKAGES),
            "--conf", "spark.jars.ivy=/tmp/.ivy2",
            "--conf", f"spark.history.fs.logDirectory={event_dir}",
            "--conf", f"spark.history.ui.port={HISTORY_PORT}",
            "--conf", "spark.history.fs.cleaner.enabled=true",
            "--conf", "spark.history.fs.cleaner.maxAge=30d",
            "--class", "org.apache.spark.deploy.history.HistoryServer", "spark-internal"]


_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _day_names(field: str) -> str:
    def one(token: str) -> str:
        return _DAY_NAMES[int(token) % 7]

    parts = []
    for part in field.split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            parts.append(f"{one(low)}-{one(high)}")
        else:
            parts.append(one(part))
    return ",".join(parts)


def eventbridge_cron(cron: str) -> str:
    """A 5-field cron line as an EventBridge ``cron()`` expression (6 fields; one of
    day-of-month and day-of-week must be ``?``; weekdays by name, since EventBridge numbers
    Sunday 1 where cron numbers it 0)."""
    minute, hour, dom, month, dow = cron.split()
    if dow == "*":
        return f"cron({minute} {hour} {dom} {month} ? *)"
    if dom != "*":
        raise ValueError(f"{cron!r}: EventBridge cannot combine a day of month and a weekday")
    return f"cron({minute} {hour} ? {month} {_day_names(dow)} *)"

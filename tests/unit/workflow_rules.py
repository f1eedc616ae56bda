"""Security rules for GitHub workflows, read as data. Each rule returns the problems it finds
(empty when the workflow is fine), so tests can also prove that a bad workflow is caught."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML

PR_CODE_EVENTS = {"pull_request"}
PRIVILEGED_PR_EVENTS = {"pull_request_target", "workflow_run"}
PINNED = re.compile(r"^\s*(-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d[\w.-]*\s*$")
HEAD_REFS = ("pull_request.head", "workflow_run.head", "refs/pull/", "github.head_ref",
             "pr-head")
AWS_KEYS = ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "secrets.AWS")


def load(text: str) -> dict[str, Any]:
    return YAML(typ="safe").load(text)


def events(doc: dict[str, Any]) -> set[str]:
    on = doc.get("on", doc.get(True))
    if isinstance(on, str):
        return {on}
    return set(on or {})


def job_permissions(doc: dict[str, Any], job: dict[str, Any]) -> Any:
    """A job's own permissions, else the workflow's (GitHub's default when neither is set
    may be write-all, which counts as write)."""
    return job.get("permissions", doc.get("permissions", "write-all"))


def writes(perms: Any) -> bool:
    if isinstance(perms, str):
        return perms != "read-all"
    return any(v == "write" for v in (perms or {}).values())


def checkouts(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(
        "actions/checkout@")]


def step_text(step: dict[str, Any]) -> str:
    return repr(step)


def pr_code_jobs(doc: dict[str, Any]) -> list[str]:
    """Problems of jobs that run a pull request's code."""
    if not events(doc) & PR_CODE_EVENTS:
        return []
    out = []
    for name, job in doc.get("jobs", {}).items():
        if writes(job_permissions(doc, job)):
            out.append(f"{name}: runs pull-request code with a write token")
        if "secrets." in repr(job):
            out.append(f"{name}: runs pull-request code and references a secret")
        for step in checkouts(job):
            if (step.get("with") or {}).get("persist-credentials") is not False:
                out.append(f"{name}: checkout keeps the token in .git/config "
                           "(persist-credentials: false missing)")
    return out


def privileged_jobs(doc: dict[str, Any]) -> list[str]:
    """Problems of jobs that hold a write token in a pull-request context: they must check out
    and run only the base branch's code, and read the pull request only as data."""
    if not events(doc) & PRIVILEGED_PR_EVENTS:
        return []
    out = []
    for name, job in doc.get("jobs", {}).items():
        if not writes(job_permissions(doc, job)):
            continue
        for step in checkouts(job):
            given = step.get("with") or {}
            for key in ("ref", "repository"):
                if any(h in str(given.get(key, "")) for h in HEAD_REFS):
                    out.append(f"{name}: checks out the pull request's code ({key})")
            if given.get("persist-credentials") is not False:
                out.append(f"{name}: checkout keeps the token in .git/config")
        for step in job.get("steps", []):
            run = str(step.get("run", ""))
            if "teamstack review" in run and "--trusted" not in run:
                out.append(f"{name}: runs `teamstack review` without --trusted")
            if re.search(r"\b(git (checkout|switch|worktree)|pip install|uv (sync|run))\b.*"
                         r"(HEAD_SHA|pr-head|refs/pull)", run):
                out.append(f"{name}: puts the pull request's commit in a working tree")
            if str(step.get("uses", "")).startswith("./"):
                out.append(f"{name}: runs a local action, which could be the pull request's")
    return out


def unpinned_actions(text: str) -> list[str]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*(-\s+)?uses:", line) and "uses: ./" not in line \
                and not PINNED.match(line):
            out.append(f"line {number}: not pinned by commit SHA with a version comment: "
                       f"{line.strip()}")
    return out


def deploy_rules(doc: dict[str, Any], text: str) -> list[str]:
    out = [f"uses long-lived AWS keys ({k})" for k in AWS_KEYS if k in text]
    for name, job in doc.get("jobs", {}).items():
        uses = [str(s.get("uses", "")) for s in job.get("steps", [])]
        if not any(u.startswith("pulumi/actions@") for u in uses):
            continue
        perms = job_permissions(doc, job)
        if not isinstance(perms, dict) or perms.get("id-token") != "write":
            out.append(f"{name}: deploys without id-token: write (OIDC)")
        if not any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses):
            out.append(f"{name}: deploys without OIDC credentials")
        group = str((job.get("concurrency") or {}).get("group", ""))
        if "matrix.stack" not in group:
            out.append(f"{name}: no concurrency group per stack")
        if (job.get("concurrency") or {}).get("cancel-in-progress") is not False:
            out.append(f"{name}: a newer run could cancel a `pulumi up` half-way")
        if "matrix.environment" not in str(job.get("environment", "")):
            out.append(f"{name}: not in the GitHub environment of its teamstack environment")
        commands = [str((s.get("with") or {}).get("command")) for s in job.get("steps", [])
                    if str(s.get("uses", "")).startswith("pulumi/actions@")]
        if commands != ["preview", "up"]:
            out.append(f"{name}: expected preview then up, got {commands}")
    return out

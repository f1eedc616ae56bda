"""Which stacks a change affects, in deploy order, read from stack files as data.

Rules (the deploy workflow and the review both follow them):
- an added or edited stack file affects that stack;
- a changed platform stack pulls in every team that runs on it (their StackReference reads it);
- a change to the program (``infra/``, ``Pulumi.yaml``, the dependencies) affects every stack;
- a deleted (or renamed-away) stack file is listed for ``pulumi destroy`` review only:
  nothing is ever destroyed automatically.
Deploy order: platforms before teams, each group by name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from infra.request import PLATFORM_KEY, REQUEST_KEY
from infra.review.gitrev import FileChange
from infra.safefile import Unreadable, read_text
from infra.stackfile import STACK_FILE, stack_files
from infra.stackrules import MAX_STACK_BYTES
from infra.yamlsource import parse

# Paths whose change changes what `pulumi up` does for every stack.
PROGRAM_PREFIXES = ("infra/",)
PROGRAM_FILES = ("Pulumi.yaml", "pyproject.toml", "uv.lock")


@dataclass(frozen=True)
class StackInfo:
    """What a stack file says about itself, tolerant of errors (validation reports those)."""

    stack: str
    kind: str  # "team", "platform" or "unknown" (the file does not parse as either)
    environment: str | None
    platform: str | None  # the platform stack a team runs on
    region: str | None = None

    @property
    def deploy_rank(self) -> tuple[int, str]:
        return (0 if self.kind == "platform" else 1, self.stack)


@dataclass(frozen=True)
class Affected:
    stack: str
    kind: str
    environment: str | None
    file: str
    reason: str  # "added", "edited", "platform <name> changed", "code changed", "deleted"
    region: str | None = None


@dataclass
class ChangeSet:
    """Stacks to deploy (in order), stacks to review for destroy, and whether code changed."""

    deploy: list[Affected]
    destroy: list[Affected]
    code_changed: bool
    files: list[FileChange]

    @property
    def other_files(self) -> list[str]:
        """Changed paths outside stacks/: what makes a pull request 'changes code'."""
        return [c.path for c in self.files if not is_stack_path(c.path)]

    def to_json(self) -> dict[str, Any]:
        return {"deploy": [asdict(a) for a in self.deploy],
                "destroy": [asdict(a) for a in self.destroy],
                "code_changed": self.code_changed,
                "other_files": self.other_files}


def is_stack_path(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 2 and parts[0] == "stacks"


def stack_of_path(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) != 2 or parts[0] != "stacks":
        return None
    match = STACK_FILE.match(parts[1])
    return match.group("stack") if match else None


def touches_program(path: str) -> bool:
    return path.startswith(PROGRAM_PREFIXES) or path in PROGRAM_FILES


def read_info(path: Path) -> StackInfo:
    """Kind, environment and platform of a stack file, without validating it."""
    match = STACK_FILE.match(path.name)
    stack = match.group("stack") if match else path.name
    try:  # any file under stacks/ may be hostile (a FIFO, a directory, 20 MB): read bounded
        data = parse(read_text(path, MAX_STACK_BYTES), str(path)).data
    except Unreadable:
        data = None
    config = data.get("config") if isinstance(data, dict) else None
    region = config.get("aws:region") if isinstance(config, dict) else None
    region = region if isinstance(region, str) else None
    if isinstance(config, dict):
        for key, kind in ((REQUEST_KEY, "team"), (PLATFORM_KEY, "platform")):
            body = config.get(key)
            if isinstance(body, dict):
                env = body.get("environment")
                env = env if isinstance(env, str) else None
                platform = None
                if kind == "team":
                    given = body.get("platform")
                    platform = given if isinstance(given, str) else (
                        f"platform-{env}" if env else None)
                return StackInfo(stack, kind, env, platform, region)
    kind = "platform" if stack.startswith("platform-") else "unknown"
    return StackInfo(stack, kind, None, None, region)


def affected(files: list[FileChange], head_stacks: Path, base_stacks: Path, *,
             program_affects_all: bool = True) -> ChangeSet:
    """The ChangeSet of ``files`` given the stacks/ directories at head and at base.

    ``program_affects_all=False`` lists only the stacks whose files changed even when the
    program changed too: what the base branch's code can judge of a pull request.
    """
    head = {i.stack: i for i in map(read_info, stack_files(head_stacks))}
    base = {i.stack: i for i in map(read_info, stack_files(base_stacks))}
    code = any(touches_program(c.path) for c in files)
    everything = code and program_affects_all
    reasons: dict[str, str] = {}
    if everything:
        reasons = dict.fromkeys(head, "code changed")
    deleted: list[Affected] = []
    for change in files:
        name = stack_of_path(change.path)
        if name is None:
            continue
        if change.status == "D" or name not in head:
            info = base.get(name) or StackInfo(name, "unknown", None, None)
            deleted.append(Affected(name, info.kind, info.environment, change.path, "deleted",
                                    info.region))
        elif not everything:
            reasons[name] = "added" if change.status == "A" or name not in base else "edited"
    for name in [n for n in list(reasons) if head[n].kind == "platform"]:
        for team in head.values():
            if team.kind == "team" and team.platform == name:
                reasons.setdefault(team.stack, f"platform {name} changed")
    deploy = [Affected(i.stack, i.kind, i.environment, f"stacks/Pulumi.{i.stack}.yaml",
                       reasons[i.stack], i.region)
              for i in sorted((head[n] for n in reasons), key=lambda i: i.deploy_rank)]
    # Destroy review goes the other way round: teams before the platform they run on.
    deleted.sort(key=lambda a: (1 if a.kind == "platform" else 0, a.stack))
    return ChangeSet(deploy, deleted, code, files)

"""The rules of a stack file beyond its schema: fields that must agree with each other, with
the file's name, and with the other stack files of the repository.

They read the raw document (with type guards) rather than the validated model, so they run
even when a field has a type error and the user sees every problem in one pass.
"""

from __future__ import annotations

import itertools
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.problems import Problem, shown, shown_path
from infra.request import PLATFORM_KEY, REQUEST_KEY
from infra.safefile import Unreadable, read_text
from infra.yamlsource import SourceMap, parse

if TYPE_CHECKING:
    from infra.stackfile import LoadedStack

# A stack file is a few kilobytes; a limit keeps a mistaken or hostile file from costing minutes.
MAX_STACK_BYTES = 64 * 1024
STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[a-z0-9-]+)\.yaml$")
# What a user (or Pulumi on a case-insensitive disk) may take for a stack file: every such
# name is validated, and reported if it is not exactly Pulumi.<stack>.yaml.
CANDIDATE = re.compile(r"^pulumi\..+\.y[a-z]*ml$", re.IGNORECASE)
SECRET_WORDS = re.compile(r"(password|passwd|secret|token|private[_-]?key|api[_-]?key|credential)",
                          re.IGNORECASE)


def stack_name_of(path: Path) -> str | None:
    match = STACK_FILE.match(path.name)
    return match.group("stack") if match else None


def stack_files(stacks_dir: Path) -> list[Path]:
    """Every file under ``stacks_dir`` that looks like a stack file, whatever it is (a
    directory, a broken link): loading reports what is wrong with each."""
    try:
        names = sorted(entry.name for entry in os.scandir(stacks_dir))
    except OSError:
        return []
    return [stacks_dir / name for name in names if CANDIDATE.match(name)]



def secret_problems(config: dict[str, Any], smap: SourceMap) -> list[Problem]:
    problems = []
    for key, value in config.items():
        if key in (REQUEST_KEY, PLATFORM_KEY):
            continue
        if isinstance(key, str) and SECRET_WORDS.search(key) and isinstance(value, str):
            problems.append(smap.problem(
                ("config", key),
                "looks like a secret in plain text; store it with "
                f"`pulumi config set --secret {key}` (or in Secrets Manager) instead",
                shown=(key,)))
    return problems


def team_rules(raw: dict[str, Any], smap: SourceMap) -> list[Problem]:
    """Rules that span several fields of one team request.

    They read the raw document (with type guards) rather than the validated model so that they
    run even when some field has a type error: the user sees every problem in one pass.
    """
    base = ("config", REQUEST_KEY)
    out: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str) -> None:
        out.append(smap.problem((*base, *path), message, shown=path))

    def section(name: str) -> dict[str, Any]:
        value = raw.get(name)
        return value if isinstance(value, dict) else {}

    def items(container: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
        value = container.get(name)
        if not isinstance(value, list):
            return []
        return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]

    members = items(raw, "members")
    for attr, label in (("name", "member name"), ("email", "e-mail address")):
        seen: dict[Any, int] = {}
        for i, m in members:
            value = m.get(attr)
            if isinstance(value, str) and value in seen:
                add(("members", i, attr), f"{label} {value!r} is already used by "
                                          f"members[{seen[value]}]")
            seen.setdefault(value, i)
    uids: dict[int, int] = {}
    for i, m in members:
        uid = m.get("uid", 10001 + i)
        if isinstance(uid, int) and uid in uids:
            add(("members", i, "uid"), f"uid {uid} is already used by members[{uids[uid]}]")
        if isinstance(uid, int):
            uids.setdefault(uid, i)
    storage = section("storage")
    names: dict[str, int] = {}
    for i, b in items(storage, "buckets"):
        name = b.get("name")
        if isinstance(name, str) and name in names:
            add(("storage", "buckets", i, "name"),
                f"bucket name {name!r} is already used by storage.buckets[{names[name]}]")
        if isinstance(name, str):
            names.setdefault(name, i)
        steps = [(f, b.get(f)) for f in
                 ("infrequent_access_after_days", "archive_after_days", "expire_after_days")]
        present = [(f, d) for f, d in steps if isinstance(d, int)]
        for (f1, d1), (f2, d2) in itertools.pairwise(present):
            if d2 <= d1:
                add(("storage", "buckets", i, f2), f"{f2} ({d2}) must be later than {f1} ({d1})")
        ia, archive = b.get("infrequent_access_after_days"), b.get("archive_after_days")
        if isinstance(ia, int) and isinstance(archive, int) and 0 < archive - ia < 30:
            add(("storage", "buckets", i, "archive_after_days"),
                "S3 keeps objects in Standard-IA for at least 30 days before archiving")
    for i, m in members:
        if m.get("desktop") and storage.get("shared_home_gib") is None:
            add(("members", i, "desktop"),
                "desktops mount the shared home: set storage.shared_home_gib")
            break
    spark = section("spark")
    if spark and spark.get("profile", "scheduled-retrain") == "scheduled-retrain" \
            and not spark.get("schedule"):
        add(("spark", "profile") if "profile" in spark else ("spark",),
            "the scheduled-retrain profile needs spark.schedule (a cron expression such as "
            "'0 2 * * *')")
    has_gpu = isinstance(raw.get("gpu"), dict)
    if section("notebooks").get("gpu") is True and not has_gpu:
        add(("notebooks", "gpu"), "GPU notebooks run on the team's GPU pool: add a gpu section")
    runners = section("ci_runners")
    if runners.get("gpu") is True and not has_gpu:
        add(("ci_runners", "gpu"), "GPU runners run on the team's GPU pool: add a gpu section")
    org = runners.get("github_org")
    repos = runners.get("repositories")
    if isinstance(org, str) and isinstance(repos, list):
        for i, repo in enumerate(repos):
            if isinstance(repo, str) and repo.split("/")[0].lower() != org.lower():
                add(("ci_runners", "repositories", i),
                    f"{repo!r} is not in the organisation {org!r} the runner set is registered "
                    "with")
    budget = section("budget")
    if budget and not budget.get("notify") and not members:
        add(("budget",), "no one would receive budget alerts: list addresses in budget.notify "
                         "or add members")
    return out


@lru_cache(maxsize=256)
def _peek(path: Path, mtime: float) -> tuple[str | None, str | None, str | None, str | None]:
    """Each file is read once per modification: the cross-file rules of N stacks peek at all N."""
    return _read_peek(path)


def _read_peek(path: Path) -> tuple[str | None, str | None, str | None, str | None]:
    """(kind, team, environment, region) of a stack file, tolerant of errors (for cross-file
    rules; the file's own problems are reported when that file is validated)."""
    try:
        text = read_text(path, MAX_STACK_BYTES)
    except Unreadable:
        return None, None, None, None
    doc = parse(text, str(path))
    config = doc.data.get("config") if isinstance(doc.data, dict) else None
    if not isinstance(config, dict):
        return None, None, None, None
    region = config.get("aws:region") if isinstance(config.get("aws:region"), str) else None
    for key, kind in ((REQUEST_KEY, "team"), (PLATFORM_KEY, "platform")):
        body = config.get(key)
        if isinstance(body, dict):
            team = body.get("team") if kind == "team" else "platform"
            env = body.get("environment")
            return kind, str(team) if team else None, str(env) if env else None, region
    return None, None, None, region


def peek(path: Path) -> tuple[str | None, str | None, str | None, str | None]:
    """Never raises: a file that cannot be read has no kind (its own load reports it)."""
    try:
        return _peek(Path(os.path.realpath(path)), path.stat().st_mtime)
    except (OSError, RuntimeError):
        return None, None, None, None


def repository_rules(loaded: LoadedStack, raw: dict[str, Any], smap: SourceMap,
                      stacks_dir: Path) -> list[Problem]:
    out: list[Problem] = []
    if loaded.kind != "team":
        return out
    req = loaded.team
    base = ("config", REQUEST_KEY)
    platform_file = stacks_dir / f"Pulumi.{req.platform_stack}.yaml"
    if not platform_file.exists():
        where = ("platform",) if "platform" in raw else ("environment",)
        out.append(smap.problem((*base, *where),
                                f"platform stack {req.platform_stack!r} does not exist "
                                f"(expected {shown_path(platform_file)})", shown=where))
    else:
        kind, _, env, region = peek(platform_file)
        if kind != "platform":
            out.append(smap.problem((*base, "platform"), f"{platform_file.name} is not a "
                                    "platform stack (no teamstack:platform)", shown=("platform",)))
        else:
            if env and env != req.environment:
                out.append(smap.problem((*base, "platform"),
                                        f"platform {req.platform_stack!r} is for environment "
                                        f"{env!r}, not {req.environment!r}", shown=("platform",)))
            if region and loaded.region and region != loaded.region:
                out.append(smap.problem(("config", "aws:region"),
                                        f"region {loaded.region!r} differs from the platform's "
                                        f"{region!r}; a team runs in its platform's region",
                                        shown=("aws:region",)))
    for other in stack_files(stacks_dir):
        if os.path.realpath(other) == os.path.realpath(loaded.path):
            continue
        kind, team, env, _ = peek(other)
        if kind == "team" and team == req.team and env == req.environment:
            out.append(smap.problem((*base, "team"),
                                    f"team {req.team!r} already has a {req.environment} stack in "
                                    f"{other.name}", shown=("team",)))
    return out



def name_rules(path: Path, key: str, body: dict[str, Any], smap: SourceMap) -> list[Problem]:
    """The file name is the stack name: Pulumi.<team>-<env>.yaml or Pulumi.platform-<env>.yaml."""
    stack = stack_name_of(path)
    base = ("config", key)
    if stack is None:
        return [Problem(smap.file, 1, 1, "", _bad_name(path.name))]
    env = body.get("environment")
    out = []
    if key == PLATFORM_KEY:
        if isinstance(env, str) and stack != f"platform-{env}":
            out.append(smap.problem((*base, "environment"),
                                    f"environment {env!r} does not match the file name: a "
                                    f"platform stack for {env!r} is Pulumi.platform-{env}.yaml",
                                    shown=("environment",)))
        return out
    team = body.get("team")
    if isinstance(team, str) and isinstance(env, str) and stack != f"{team}-{env}":
        expected = f"Pulumi.{team}-{env}.yaml"
        field_name = "team" if not stack.startswith(f"{team}-") else "environment"
        out.append(smap.problem((*base, field_name),
                                f"team {team!r} and environment {env!r} do not match the file "
                                f"name {path.name} (expected {expected})",
                                shown=(field_name,)))
    return out




def _bad_name(name: str) -> str:
    """Why a file that looks like a stack file is not named as Pulumi reads it."""
    rule = "stack files are named Pulumi.<stack>.yaml, the stack name in lowercase letters, " \
           "digits and hyphens"
    if not name.startswith("Pulumi."):
        return f"{rule}; the name must start with 'Pulumi.' exactly (Pulumi would not read it)"
    if not name.endswith(".yaml"):
        return f"{rule}; the name must end in '.yaml' (Pulumi would not read this file)"
    stack = name[len("Pulumi."):-len(".yaml")]
    return f"{rule}; {shown(stack)} is not a valid stack name"

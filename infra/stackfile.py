"""Loading stack files: YAML with positions -> validated request, or every problem at once.

This is the one way a stack file becomes a request, used by ``teamstack validate``, the
offline plan and the Pulumi program itself, so that a file which validates is exactly a file
that deploys. All problems of a file are gathered before reporting: a tired user fixing a pull
request wants the whole list, each with the line and column to jump to.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.problems import Problem, format_path
from infra.request import (
    PLATFORM_KEY,
    REQUEST_KEY,
    Model,
    PlatformRequest,
    TeamRequest,
    model_for_key,
)
from infra.yamlsource import Document, SourceMap, parse

STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[a-z0-9-]+)\.yaml$")
SECRET_WORDS = re.compile(r"(password|passwd|secret|token|private[_-]?key|api[_-]?key|credential)",
                          re.IGNORECASE)
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


@dataclass
class LoadedStack:
    """A validated stack file."""

    path: Path
    stack: str
    kind: str  # "team" or "platform"
    request: TeamRequest | PlatformRequest
    region: str
    source: SourceMap
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def team(self) -> TeamRequest:
        assert isinstance(self.request, TeamRequest)
        return self.request

    @property
    def platform(self) -> PlatformRequest:
        assert isinstance(self.request, PlatformRequest)
        return self.request


@dataclass
class LoadResult:
    path: Path
    stack: LoadedStack | None
    problems: list[Problem]


def stack_name_of(path: Path) -> str | None:
    match = STACK_FILE.match(path.name)
    return match.group("stack") if match else None


def stack_files(stacks_dir: Path) -> list[Path]:
    return sorted(p for p in stacks_dir.glob("Pulumi.*.yaml") if STACK_FILE.match(p.name))


def _pydantic_problems(exc: ValidationError, key: str, data: dict[str, Any],
                       smap: SourceMap) -> list[Problem]:
    base = ("config", key)
    problems = []
    for err in exc.errors(include_url=False):
        loc = _data_path(err["loc"], data)
        full = (*base, *loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _get(data, loc[:-1])
            message = f"unknown field {loc[-1]!r}"
            if isinstance(parent, dict):
                known = _known_fields(model_for_key(key), loc[:-1])
                close = difflib.get_close_matches(str(loc[-1]), known, n=1)
                if close:
                    message += f"; did you mean {close[0]!r}?"
                elif known:
                    message += f"; expected one of: {', '.join(known)}"
            problems.append(smap.problem(full, message, key=True, shown=loc))
        elif kind == "missing":
            where = smap.locate(full[:-1], key=True)
            problems.append(Problem(smap.file, where[0], where[1], format_path(loc),
                                    "required field is missing"))
        else:
            message = err["msg"]
            message = message[0].lower() + message[1:] if message else message
            message = message.removeprefix("value error, ")
            problems.append(smap.problem(full, message, shown=loc))
    return problems


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's internal loc parts (union tags, validator names) that are not data keys."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _looks_internal(part):
            out.append(part)  # a missing or extra key: keep it, it is the field's name
            node = None
    return tuple(out)


def _looks_internal(part: str) -> bool:
    return "[" in part or part in {"list", "dict", "str", "int", "float", "bool", "none"}


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _known_fields(model: type[Model], path: tuple[str | int, ...]) -> list[str]:
    """Field names of the sub-model at a data path, for 'did you mean' hints."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> type[Model] | None:
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _secret_problems(config: dict[str, Any], smap: SourceMap) -> list[Problem]:
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


def _team_rules(raw: dict[str, Any], smap: SourceMap) -> list[Problem]:
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
    """(kind, team, environment, region) of a stack file, tolerant of errors (for cross-file
    rules; the file's own problems are reported when that file is validated)."""
    doc = parse(path.read_text(encoding="utf-8"), str(path))
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
    return _peek(path.resolve(), path.stat().st_mtime)


def _repository_rules(loaded: LoadedStack, raw: dict[str, Any], smap: SourceMap,
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
                                f"(expected {platform_file})", shown=where))
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
        if other.resolve() == loaded.path.resolve():
            continue
        kind, team, env, _ = peek(other)
        if kind == "team" and team == req.team and env == req.environment:
            out.append(smap.problem((*base, "team"),
                                    f"team {req.team!r} already has a {req.environment} stack in "
                                    f"{other.name}", shown=("team",)))
    return out


def load(path: Path | str, stacks_dir: Path | None = None) -> LoadResult:
    """Load and validate one stack file. Never raises for bad content: problems are returned.

    ``stacks_dir`` enables the rules that look at other stack files (platform exists, team
    unique per environment); it defaults to the file's own directory.
    """
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadResult(path, None, [Problem(shown, 1, 1, "", "no such file")])
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(path, None, [Problem(shown, 1, 1, "", f"cannot read: {exc}")])
    doc: Document = parse(text, shown)
    smap = doc.source
    problems = [_relative(p) for p in doc.problems]
    data = doc.data
    if data is None and problems:
        return LoadResult(path, None, problems)
    if not isinstance(data, dict):
        problems.append(Problem(shown, 1, 1, "", "a stack file must be a mapping with a "
                                                 "'config' key"))
        return LoadResult(path, None, problems)
    config = data.get("config")
    if not isinstance(config, dict):
        message = ("missing 'config': a stack file holds its settings under config:"
                   if config is None else "'config' must be a mapping")
        problems.append(smap.problem(("config",), message, key=True))
        return LoadResult(path, None, problems)
    unexpected = [k for k in data if k not in ("config", "encryptionsalt", "secretsprovider",
                                                "encryptedkey", "environment")]
    for key in unexpected:
        problems.append(smap.problem((key,), f"unknown top-level key {key!r} in a Pulumi stack "
                                             "file", key=True))
    problems.extend(_secret_problems(config, smap))
    present = [k for k in (REQUEST_KEY, PLATFORM_KEY) if k in config]
    if len(present) != 1:
        message = (f"missing '{REQUEST_KEY}' (team stacks) or '{PLATFORM_KEY}' (platform stacks)"
                   if not present else f"holds both '{REQUEST_KEY}' and '{PLATFORM_KEY}'; "
                                       "a stack is either a team or the platform")
        problems.append(smap.problem(("config",), message, key=True))
        return LoadResult(path, None, problems)
    key = present[0]
    body = config[key]
    if not isinstance(body, dict):
        problems.append(smap.problem(("config", key), f"'{key}' must be a mapping of fields",
                                     shown=()))
        return LoadResult(path, None, problems)
    region = config.get("aws:region")
    if region is None:
        problems.append(smap.problem(("config",), "missing 'aws:region' (for example "
                                                  "aws:region: eu-west-1)", key=True,
                                     shown=("aws:region",)))
    elif not isinstance(region, str) or not REGION.match(region):
        problems.append(smap.problem(("config", "aws:region"),
                                     f"{region!r} is not an AWS region name such as eu-west-1",
                                     shown=("aws:region",)))
    problems.extend(_name_rules(path, key, body, smap))
    if key == REQUEST_KEY:
        problems.extend(_team_rules(body, smap))
    model = model_for_key(key)
    try:
        request = model.model_validate(body)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, key, body, smap))
        return LoadResult(path, None, sorted(set(problems)))
    kind = "team" if key == REQUEST_KEY else "platform"
    stack = stack_name_of(path) or (request.stack_name if hasattr(request, "stack_name") else "")
    loaded = LoadedStack(path, stack, kind, request, region if isinstance(region, str) else "",
                         smap, config)
    problems.extend(_repository_rules(loaded, body, smap, stacks_dir or path.parent))
    if problems:
        return LoadResult(path, None, sorted(set(problems)))
    return LoadResult(path, loaded, [])


def _name_rules(path: Path, key: str, body: dict[str, Any], smap: SourceMap) -> list[Problem]:
    """The file name is the stack name: Pulumi.<team>-<env>.yaml or Pulumi.platform-<env>.yaml."""
    stack = stack_name_of(path)
    base = ("config", key)
    if stack is None:
        return [Problem(str(path), 1, 1, "", "stack files are named Pulumi.<stack>.yaml with a "
                                             "lowercase stack name")]
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


def _relative(problem: Problem) -> Problem:
    """Show paths inside a request relative to it, as every other message does."""
    for key in (REQUEST_KEY, PLATFORM_KEY):
        prefix = f"config.{key}."
        if problem.path.startswith(prefix):
            return Problem(problem.file, problem.line, problem.col,
                           problem.path.removeprefix(prefix), problem.message)
    return problem


def load_or_raise(path: Path | str, stacks_dir: Path | None = None) -> LoadedStack:
    """For the Pulumi program: a stack that does not validate must not deploy."""
    from infra.errors import CheckFailed

    result = load(path, stacks_dir)
    if result.stack is None:
        raise CheckFailed(f"{path} does not validate", [str(p) for p in result.problems])
    return result.stack

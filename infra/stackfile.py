"""Loading stack files: YAML with positions -> validated request, or every problem at once.

This is the one way a stack file becomes a request, used by ``teamstack validate``, the
offline plan and the Pulumi program itself, so that a file which validates is exactly a file
that deploys. All problems of a file are gathered before reporting: a tired user fixing a pull
request wants the whole list, each with the line and column to jump to.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.problems import Problem, format_path, shown, shown_path
from infra.request import (
    PLATFORM_KEY,
    REQUEST_KEY,
    Model,
    PlatformRequest,
    TeamRequest,
    model_for_key,
)
from infra.safefile import Unreadable, read_text
from infra.stackrules import (
    MAX_STACK_BYTES,
    STACK_FILE,
    name_rules,
    peek,
    repository_rules,
    secret_problems,
    stack_files,
    stack_name_of,
    team_rules,
)
from infra.yamlsource import Document, SourceMap, parse

__all__ = ["STACK_FILE", "LoadResult", "LoadedStack", "load", "load_or_raise", "peek",
           "stack_files", "stack_name_of"]

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
            problems.append(smap.problem(full, _message(err), shown=loc))
    return problems


def _message(err: Any) -> str:
    """pydantic's message, said in the words of the YAML the user wrote."""
    value, kind = err.get("input"), err["type"]
    if isinstance(value, bool) and kind in ("int_type", "float_type"):
        return f"{str(value).lower()} is a boolean, not a number; write a number"
    if isinstance(value, float) and value != value:
        return "NaN (.nan) is not a number; write a number"
    if isinstance(value, float) and kind == "finite_number":
        return "infinity (.inf) is not allowed; write a number"
    if isinstance(value, int | float) and not isinstance(value, bool) and kind == "bool_type":
        return f"{value} is a number; write true or false"
    if isinstance(value, str) and kind == "bool_type":
        return f"{shown(value)} is text; write true or false (without quotes)"
    if isinstance(value, float) and kind == "int_type":
        return f"{value:g} is not a whole number"
    message = err["msg"]
    message = message[0].lower() + message[1:] if message else message
    return message.removeprefix("value error, ")


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


def load(path: Path | str, stacks_dir: Path | None = None) -> LoadResult:
    """Load and validate one stack file. Never raises for bad content: problems are returned.

    ``stacks_dir`` enables the rules that look at other stack files (platform exists, team
    unique per environment); it defaults to the file's own directory.
    """
    path = Path(path)
    shown = shown_path(path)
    try:
        text = read_text(path, MAX_STACK_BYTES)
    except Unreadable as exc:
        return LoadResult(path, None, [Problem(shown, exc.line, exc.col, "", exc.message)])
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
    problems.extend(secret_problems(config, smap))
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
    problems.extend(name_rules(path, key, body, smap))
    if key == REQUEST_KEY:
        problems.extend(team_rules(body, smap))
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
    problems.extend(repository_rules(loaded, body, smap, stacks_dir or path.parent))
    if problems:
        return LoadResult(path, None, sorted(set(problems)))
    return LoadResult(path, loaded, [])


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

"""``teamstack new TEAM --environment ENV``: a first, commented stack file that validates."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from infra.catalog import ENVIRONMENTS
from infra.errors import CheckFailed, UserError
from infra.profiles import PROFILE_NAMES
from infra.repo import find_root
from infra.request import TeamName
from infra.review.changes import read_info
from infra.review.scaffold import NewTeam, parse_member, render
from infra.stackfile import load, stack_files


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "new", help="write a first stack file for a team (commented; it validates)",
        description="Write stacks/Pulumi.TEAM-ENV.yaml: a commented request with storage, "
                    "notebooks and, with --members, desktops. Refuses to overwrite a file.")
    parser.add_argument("team", metavar="TEAM", help="lowercase team name, e.g. nlp")
    parser.add_argument("--environment", "-e", required=True, choices=ENVIRONMENTS)
    parser.add_argument("--profile", default="interactive", choices=PROFILE_NAMES,
                        help="workload profile of notebooks and desktops (default interactive)")
    parser.add_argument("--members", nargs="+", default=[], metavar="NAME:EMAIL",
                        help="people in the team (NAME:EMAIL or EMAIL); each gets a desktop")
    parser.add_argument("--owners", nargs="+", metavar="@ORG/TEAM",
                        help="who approves changes to the file (default @<org>/<team>, the "
                             "platform owners' organisation)")
    parser.add_argument("--cost-center", default=None,
                        help="cost center for the cost-allocation tag (default: the team name "
                             "in capitals; ask finance)")
    parser.add_argument("--notify", nargs="+", default=[], metavar="EMAIL",
                        help="budget alert addresses (default: the members)")
    parser.set_defaults(func=run)


def _check_team(team: str) -> None:
    """The validator's own rule and message for a team name, before it becomes a path."""
    try:
        TypeAdapter(TeamName).validate_python(team)
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"]
        raise UserError(f"team {team!r}: {message[0].lower() + message[1:]}") from None


def run(args: argparse.Namespace) -> int:
    _check_team(args.team)
    root = find_root()
    stacks = root / "stacks"
    target = stacks / f"Pulumi.{args.team}-{args.environment}.yaml"
    shown = target.relative_to(root)
    if target.exists():
        raise UserError(f"{shown} already exists; edit it instead (nothing written)")
    platform = stacks / f"Pulumi.platform-{args.environment}.yaml"
    if not platform.exists():
        raise UserError(f"no platform for {args.environment}: {platform.relative_to(root)} does "
                        "not exist; ask the platform owners to create it first")
    platform_info = read_info(platform)
    platform_loaded = load(platform).stack
    owners_org = None
    if platform_loaded is not None and platform_loaded.request.owners:
        owners_org = platform_loaded.request.owners[0].lstrip("@").split("/")[0]
    members = tuple(parse_member(m) for m in args.members)
    if not members and not args.notify:
        raise UserError("budget alerts need a recipient: give --members NAME:EMAIL ... or "
                        "--notify EMAIL (nothing written)")
    owners = tuple(args.owners or ([f"@{owners_org}/{args.team}"] if owners_org else []))
    if not owners:
        raise UserError("give --owners @ORG/TEAM: who approves changes to the file")
    request = NewTeam(args.team, args.environment, platform_info.region or "eu-west-1",
                      owners_org, args.profile, members, owners,
                      args.cost_center or args.team.upper(), tuple(args.notify))
    text = render(request)
    _validate(text, target, stacks)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {shown}")
    print(f"""
Next steps:
  1. Read {shown} and change what you need: every field is described in
     docs/request-reference.md; check with `teamstack validate {shown}`.
  2. git switch -c request/{args.team}-{args.environment}
     git add {shown} && git commit -m "Ask for {args.team}'s {args.environment} environment"
  3. git push -u origin HEAD and open a pull request (template: "Stack request").
     The review comment shows the resources, their monthly cost and the guardrails; the
     platform owners approve a new team's first file, then it deploys on merge.""")
    return 0


def _validate(text: str, target: Path, stacks: Path) -> None:
    """Validate the candidate beside the real stacks, in a scratch copy: nothing is written
    to the repository unless it validates."""
    tmp = Path(tempfile.mkdtemp(prefix="teamstack-new-"))
    try:
        for path in stack_files(stacks):
            if path.is_file():  # not a directory, FIFO or broken link (validate reports those)
                shutil.copy(path, tmp / path.name)
        candidate = tmp / target.name
        candidate.write_text(text, encoding="utf-8")
        problems = load(candidate, tmp).problems
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        lines = [str(p).replace(str(candidate), str(target.name)) for p in problems]
        raise CheckFailed("the new stack file does not validate",
                          [*lines, "nothing written"])

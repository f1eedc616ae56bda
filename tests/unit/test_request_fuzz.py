"""Random and mutated stack files: the loader reports problems, it never raises."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from infra.stackfile import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "stacks" / "Pulumi.vision-prod.yaml").read_text(encoding="utf-8")

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False), st.text(max_size=20))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20)


def _stacks_dir() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="fuzz-"))
    shutil.copy(ROOT / "stacks" / "Pulumi.platform-prod.yaml", tmp)
    return tmp


STACKS = _stacks_dir()
TARGET = STACKS / "Pulumi.vision-prod.yaml"


def _check(text: str) -> None:
    TARGET.write_text(text, encoding="utf-8")
    result = load(TARGET)
    assert (result.stack is None) == bool(result.problems)
    for problem in result.problems:
        assert problem.line >= 1 and problem.col >= 1
        assert str(problem).startswith(f"{TARGET}:{problem.line}:{problem.col}: error: ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_never_escapes(text: str) -> None:
    _check(text)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(EXAMPLE)), st.integers(0, 20), st.text(max_size=8))
def test_mutated_example_never_escapes(pos: int, cut: int, insert: str) -> None:
    _check(EXAMPLE[:pos] + insert + EXAMPLE[pos + cut:])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["team", "environment", "owners", "budget", "members", "storage", "gpu",
                        "spark", "notebooks", "ci_runners", "toolchain", "desktops", "extra"]),
       values)
def test_field_replaced_by_random_value_never_escapes(field: str, value: object) -> None:
    yaml = YAML(typ="safe", pure=True)
    doc = yaml.load(EXAMPLE)
    doc["config"]["teamstack:request"][field] = value
    from io import StringIO

    out = StringIO()
    yaml.dump(doc, out)
    _check(out.getvalue())

"""The lookup helpers of the component tests fail naming what they looked for and what exists."""

from __future__ import annotations

import pytest

from infra.graph import Resource, ResourceGraph
from tests.component.find import by_name, one, only, single

BUCKET = "aws:s3/bucket:Bucket"


def graph() -> ResourceGraph:
    def bucket(name: str) -> Resource:
        return Resource(urn=f"urn:{name}", type=BUCKET, name=name, parent=None,
                        inputs={"bucket": name})
    return ResourceGraph("nlp-dev", [bucket("storage-datasets"), bucket("storage-scratch")])


def test_found_resources_are_returned() -> None:
    assert one(graph(), BUCKET, "storage-scratch").inputs == {"bucket": "storage-scratch"}
    assert by_name(graph(), BUCKET)["storage-datasets"] == {"bucket": "storage-datasets"}
    assert single([3], "number") == 3


def test_a_missing_name_lists_the_names_there_are() -> None:
    with pytest.raises(AssertionError, match=r"no aws:s3/bucket:Bucket in nlp-dev named "
                                             r"'storage-models'; there are: storage-datasets, "
                                             r"storage-scratch"):
        by_name(graph(), BUCKET)["storage-models"]
    with pytest.raises(AssertionError, match=r"exactly one aws:s3/bucket:Bucket named "
                                             r"'storage-models' in nlp-dev, found 0; of that "
                                             r"type there are: storage-datasets, storage-scratch"):
        one(graph(), BUCKET, "storage-models")


def test_more_than_one_says_which() -> None:
    with pytest.raises(AssertionError, match=r"found 2 \(storage-datasets, storage-scratch\)"):
        only(graph(), BUCKET)
    with pytest.raises(AssertionError, match=r"expected exactly one statement, found 0: \[\]"):
        single([], "statement")

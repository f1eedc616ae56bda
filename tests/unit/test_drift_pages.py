"""The readers' one paginate-and-collect helper, with botocore's Stubber: every page is read
with the caller's arguments, so an item on page two is never reported missing."""

from __future__ import annotations

from botocore.stub import Stubber

from infra.drift.live.base import all_items
from tests.unit.drift_stub import stub_client


def test_items_of_every_page_in_order_with_the_callers_arguments() -> None:
    client = stub_client("events")
    with Stubber(client) as stub:
        stub.add_response("list_targets_by_rule",
                          {"Targets": [{"Id": "a", "Arn": "arn:1"}], "NextToken": "t2"},
                          {"Rule": "nightly"})
        stub.add_response("list_targets_by_rule",
                          {"Targets": [{"Id": "b", "Arn": "arn:2"}, {"Id": "c", "Arn": "arn:3"}]},
                          {"Rule": "nightly", "NextToken": "t2"})
        items = all_items(client, "list_targets_by_rule", "Targets", Rule="nightly")
        stub.assert_no_pending_responses()
    assert [t["Id"] for t in items] == ["a", "b", "c"]


def test_a_page_without_the_key_adds_nothing() -> None:
    client = stub_client("events")
    with Stubber(client) as stub:
        stub.add_response("list_rules", {}, {})
        assert all_items(client, "list_rules", "Rules") == []

"""The dynamic AWS inventory (inventory/aws_ec2.yml), for real: the amazon.aws.aws_ec2 plugin
queries a moto EC2 server on 127.0.0.1 over HTTP, and `ansible-inventory --list` must group
the tagged instances by team, stack, component and host kind, skip untagged and stopped
instances, and reach hosts without SSH through SSM."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer

from .conftest import REPO, ansible_env, tool

pytestmark = pytest.mark.integration

REGION = "eu-west-1"
INVENTORY = REPO / "inventory" / "aws_ec2.yml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _tags(**kv: str) -> list[dict]:
    return [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in kv.items()]}]


@pytest.fixture(scope="module")
def instances(moto_endpoint: str, monkeypatch_module) -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_endpoint)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def launch(tags: dict[str, str], key_name: str | None = None) -> str:
        kwargs = {"ImageId": image, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.medium"}
        if key_name:
            kwargs["KeyName"] = key_name
        if tags:
            kwargs["TagSpecifications"] = _tags(**tags)
        return ec2.run_instances(**kwargs)["Instances"][0]["InstanceId"]

    ec2.create_key_pair(KeyName="ops")
    def teamstack(stack: str, team: str, component: str, kind: str, **extra: str) -> dict:
        return {"teamstack:stack": stack, "teamstack:team": team,
                "teamstack:component": component, "teamstack:host_kind": kind, **extra}

    desktop = {"teamstack:member": "alice", "cost-center": "CC-1"}
    ids = {
        "alice_desktop": launch(teamstack("nlp-prod", "nlp", "desktops", "desktop", **desktop)),
        "nlp_gpu": launch(teamstack("nlp-prod", "nlp", "gpu", "gpu-node")),
        "vision_runner": launch(teamstack("vision-dev", "vision", "ci-runners", "ci-runner",
                                          **{"teamstack:ssh": "true"}), key_name="ops"),
        "stopped_desktop": launch(teamstack("nlp-prod", "nlp", "desktops", "desktop",
                                            **{"teamstack:member": "bob"})),
        "not_teamstack": launch({"Name": "someone-elses"}),
    }
    ec2.stop_instances(InstanceIds=[ids["stopped_desktop"]])
    return ids


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    mp = pytest.MonkeyPatch()
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        mp.setenv(key, value)
    mp.delenv("AWS_PROFILE", raising=False)
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def inventory(moto_endpoint: str, instances: dict[str, str], tmp_path_factory) -> dict:
    """`ansible-inventory --list` over a copy of the repository's inventory whose only change
    is the plugin's endpoint_url (and the group_vars next to it, copied unchanged)."""
    work = tmp_path_factory.mktemp("inventory")
    config = yaml.safe_load(INVENTORY.read_text())
    assert "endpoint_url" not in config, "the committed inventory must talk to real AWS"
    config["endpoint_url"] = moto_endpoint
    (work / "aws_ec2.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copytree(INVENTORY.parent / "group_vars", work / "group_vars")
    env = ansible_env(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_SESSION_TOKEN="testing", AWS_DEFAULT_REGION=REGION,
                      ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    env.pop("AWS_PROFILE", None)
    proc = subprocess.run([tool("ansible-inventory"), "-i", str(work / "aws_ec2.yml"), "--list"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return _plain(json.loads(proc.stdout))


def _plain(value):
    """ansible-inventory marks values from the cloud as unsafe ({"__ansible_unsafe": v})."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _hosts(inv: dict, group: str) -> set[str]:
    return set(inv.get(group, {}).get("hosts", []))


def test_only_running_teamstack_instances_are_listed(inventory, instances):
    listed = set(inventory["_meta"]["hostvars"])
    assert listed == {instances["alice_desktop"], instances["nlp_gpu"], instances["vision_runner"]}


def test_grouped_by_team_stack_component_and_host_kind(inventory, instances):
    desk, gpu, runner = instances["alice_desktop"], instances["nlp_gpu"], instances["vision_runner"]
    assert _hosts(inventory, "team_nlp") == {desk, gpu}
    assert _hosts(inventory, "team_vision") == {runner}
    assert _hosts(inventory, "stack_nlp_prod") == {desk, gpu}
    assert _hosts(inventory, "stack_vision_dev") == {runner}
    assert _hosts(inventory, "component_desktops") == {desk}
    assert _hosts(inventory, "component_gpu") == {gpu}
    assert _hosts(inventory, "component_ci_runners") == {runner}
    # The groups the playbooks target.
    assert _hosts(inventory, "host_kind_desktop") == {desk}
    assert _hosts(inventory, "host_kind_gpu_node") == {gpu}
    assert _hosts(inventory, "host_kind_ci_runner") == {runner}


def test_playbooks_target_the_inventory_groups():
    for playbook, group in (("desktop.yml", "host_kind_desktop"),
                            ("gpu-node.yml", "host_kind_gpu_node"),
                            ("ci-runner.yml", "host_kind_ci_runner")):
        plays = yaml.safe_load((REPO / "playbooks" / playbook).read_text())
        assert group in plays[0]["hosts"], f"{playbook} does not target {group}"


def test_hosts_without_ssh_use_ssm(inventory, instances):
    hv = inventory["_meta"]["hostvars"]
    for name in ("alice_desktop", "nlp_gpu"):
        host = hv[instances[name]]
        assert host["ansible_connection"] == "amazon.aws.aws_ssm"
        assert host["ansible_host"] == instances[name]
        assert host["ansible_aws_ssm_instance_id"] == instances[name]
        assert host["ansible_aws_ssm_region"] == REGION
    runner = hv[instances["vision_runner"]]
    assert runner["ansible_connection"] == "ssh"
    assert runner["ansible_host"] == runner["private_ip_address"]


def test_teamstack_facts_from_tags(inventory, instances):
    desk = inventory["_meta"]["hostvars"][instances["alice_desktop"]]
    assert desk["teamstack_team"] == "nlp"
    assert desk["teamstack_stack"] == "nlp-prod"
    assert desk["teamstack_member"] == "alice"
    assert desk["teamstack_host_kind"] == "desktop"
    gpu = inventory["_meta"]["hostvars"][instances["nlp_gpu"]]
    assert gpu["teamstack_member"] == ""


def test_ssm_bucket_is_a_variable(inventory, instances):
    """The SSM plugin's transfer bucket comes from teamstack_ssm_bucket (inventory group_vars)."""
    group_vars = yaml.safe_load((INVENTORY.parent / "group_vars" / "all.yml").read_text())
    assert group_vars["ansible_aws_ssm_bucket_name"] == "{{ teamstack_ssm_bucket }}"
    host = inventory["_meta"]["hostvars"][instances["alice_desktop"]]
    assert host["ansible_aws_ssm_bucket_name"] == "{{ teamstack_ssm_bucket }}"
    assert host["teamstack_ssm_bucket"] == ""

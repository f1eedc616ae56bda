"""Kubernetes drift from managedFields, on objects written by hand from the API's documented
shape (metadata.managedFields[]: manager, operation, apiVersion, time, fieldsType FieldsV1,
fieldsV1, subresource)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.components.k8s.scheduled import kubectl_args
from infra.drift.k8s import classify_object, field_writers

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RUNNERS = "kubernetes:actions.github.com/v1alpha1:AutoscalingRunnerSet"
URN = "urn:pulumi:vision-prod::teamstack::kubernetes:apps/v1:Deployment::warm"


def entry(manager: str, fields: dict[str, Any], time: str, operation: str = "Update",
          subresource: str | None = None) -> dict[str, Any]:
    item = {"manager": manager, "operation": operation, "apiVersion": "apps/v1", "time": time,
            "fieldsType": "FieldsV1", "fieldsV1": fields}
    if subresource:
        item["subresource"] = subresource
    return item


PULUMI_FIELDS = {"f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {
    "f:spec": {"f:containers": {'k:{"name":"pause"}': {".": {}, "f:image": {}}}}}}}


def deployment(replicas: int, *writers: dict[str, Any], image: str = "pause:3.9") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "warm", "namespace": "team-vision", "managedFields": [
                entry("pulumi-kubernetes-e7b3c1a2", PULUMI_FIELDS, "2026-12-01T02:00:00Z",
                      operation="Apply"), *writers]},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "pause", "image": image}]}}}}


DECLARED = {"spec": {"replicas": 0, "template": {"spec": {"containers": [
    {"name": "pause", "image": "pause:3.9"}]}}}}
REPLICAS = {"f:spec": {"f:replicas": {}}}


def test_field_writers_follow_the_latest_entry() -> None:
    live = deployment(2, entry("kube-controller-manager", REPLICAS, "2026-12-02T09:00:00Z",
                               subresource="scale"))
    writers = field_writers(live)
    assert writers["spec.replicas"] == {"manager": "kube-controller-manager",
                                        "operation": "Update", "subresource": "scale"}
    assert writers['spec.template.spec.containers.k:{"name":"pause"}.image']["manager"] \
        .startswith("pulumi-kubernetes")


@pytest.mark.parametrize("manager,subresource,klass", [
    ("teamstack-schedule", None, "expected"),  # the warm-capacity CronJob's patch
    ("kube-controller-manager", "scale", "expected"),  # an HPA through /scale
    ("kubectl-edit", None, "drift"),
    ("kubectl-patch", None, "drift"),
    ("kubectl-client-side-apply", None, "drift"),
])
def test_replicas_by_last_writer(manager: str, subresource: str | None, klass: str) -> None:
    live = deployment(3, entry(manager, REPLICAS, "2026-12-02T09:00:00Z",
                               subresource=subresource))
    (finding,) = classify_object(URN, DEPLOYMENT, DECLARED, live, ("spec.replicas",))
    assert (finding.field, finding.klass, finding.state, finding.live) == (
        "spec.replicas", klass, 0, 3)
    assert manager in finding.note


def test_a_controller_writing_a_field_nobody_gave_it_is_drift() -> None:
    """Without the runtime marker (ignoreChanges), even a controller's write is drift."""
    live = deployment(3, entry("teamstack-schedule", REPLICAS, "2026-12-02T09:00:00Z"))
    (finding,) = classify_object(URN, DEPLOYMENT, DECLARED, live, ())
    assert finding.klass == "drift"


def test_an_image_changed_by_hand_is_drift_and_equal_objects_are_clean() -> None:
    live = deployment(0, entry("kubectl-edit", {"f:spec": {"f:template": {"f:spec": {
        "f:containers": {'k:{"name":"pause"}': {"f:image": {}}}}}}}, "2026-12-02T09:00:00Z"),
        image="pause:latest")
    (finding,) = classify_object(URN, DEPLOYMENT, DECLARED, live, ("spec.replicas",))
    assert (finding.field, finding.klass) == ("spec.template.spec.containers", "drift")
    assert classify_object(URN, DEPLOYMENT, DECLARED, deployment(0), ()) == []


def test_runner_minimum_and_missing_and_secret() -> None:
    declared = {"spec": {"minRunners": 0, "maxRunners": 10}}
    live = {"metadata": {"managedFields": [entry("teamstack-schedule", {"f:spec": {
        "f:minRunners": {}}}, "2026-12-02T08:00:00Z")]}, "spec": {"minRunners": 2,
                                                               "maxRunners": 10}}
    (finding,) = classify_object("urn:r", RUNNERS, declared, live, ("spec.minRunners",))
    assert (finding.klass, finding.owner) == ("expected", "schedule")
    assert classify_object("urn:r", RUNNERS, declared, None)[0].klass == "missing"
    secret = {"data": {"token": {"4dabf18193072939515e22adb298388d":
                                 "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "x"}}}
    (hidden,) = classify_object("urn:s", "kubernetes:core/v1:Secret", secret,
                                {"data": {"token": "bGl2ZQ=="}})
    assert (hidden.klass, hidden.live) == ("unverifiable", "[secret]")


def test_schedules_patch_under_their_own_field_manager() -> None:
    args = kubectl_args("deployments", "apps", "warm", "team-vision", {"spec": {"replicas": 2}})
    assert "--field-manager=teamstack-schedule" in args


class _FakeApiServer:
    """A Kubernetes API server that answers LIST requests from recorded objects, over HTTP
    on 127.0.0.1, for the official client (kubeconfig with a bearer token)."""

    def __init__(self, objects: dict[str, list[dict[str, Any]]]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        paths: list[str] = []
        self.paths = paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                import json

                assert self.headers["Authorization"] == "Bearer kube-t0ken"
                paths.append(self.path)
                body = objects.get(self.path)
                status = 200 if body is not None else 403
                data = json.dumps({"kind": "List", "items": body} if body is not None else
                                  {"kind": "Status", "reason": "Forbidden", "code": 403}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def kubeconfig(self, path: Any) -> str:
        path.write_text(f"""\
apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "{self.url}"}}}}]
users: [{{name: u, user: {{token: kube-t0ken}}}}]
contexts: [{{name: ctx, context: {{cluster: c, user: u}}}}]
current-context: ctx
""")
        return str(path)


def test_cluster_reader_lists_once_per_kind_and_namespace(tmp_path: Any) -> None:
    from infra.drift.k8s import ClusterReader
    from infra.drift.model import StateResource

    deploy_path = "/apis/apps/v1/namespaces/team-vision/deployments"
    api = _FakeApiServer({deploy_path: [
        {**deployment(2, entry("teamstack-schedule", REPLICAS, "2026-12-02T09:00:00Z")),
         "metadata": {**deployment(2)["metadata"], "name": "warm-1a2b", "managedFields": [
             entry("teamstack-schedule", REPLICAS, "2026-12-02T09:00:00Z")]}},
    ]})
    reader = ClusterReader.from_kubeconfig(api.kubeconfig(tmp_path / "kubeconfig"))

    def state(name: str, type_: str, namespace: str) -> StateResource:
        meta = {"name": name, "namespace": namespace}
        return StateResource(f"urn:pulumi:vision-prod::teamstack::{type_}::{name}", type_, name,
                             {"metadata": meta, **DECLARED}, {"metadata": meta},
                             ignore_changes=("spec.replicas",))

    warm = state("warm-1a2b", DEPLOYMENT, "team-vision")
    gone = state("gone-9f", DEPLOYMENT, "team-vision")
    denied = state("runners", RUNNERS, "arc-runners")
    found = reader.read([warm, gone, denied], {})
    assert [(f.field, f.klass) for f in found[warm.urn]] == [("spec.replicas", "expected")]
    assert [f.klass for f in found[gone.urn]] == ["missing"]
    assert [f.klass for f in found[denied.urn]] == ["unknown"]
    assert sorted(api.paths) == [
        "/apis/actions.github.com/v1alpha1/namespaces/arc-runners/autoscalingrunnersets",
        deploy_path]
    api.server.shutdown()
    assert not reader.covers("kubernetes:helm.sh/v3:Release")

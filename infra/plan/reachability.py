"""Which namespaces' pods may open connections to which, from the recorded NetworkPolicies.

An analysis at namespace granularity, conservative in the direction that matters for
isolation: when in doubt it says "reachable". It knows nothing of the pods that will run, so:

- a namespace's pods are all isolated for ingress only if some ingress policy there selects
  every pod (``podSelector: {}``); otherwise some pod may be selected by nothing and accept
  anything;
- a rule without ``from``, or with an ``ipBlock`` (with the VPC CNI pods have VPC addresses),
  admits every namespace;
- a peer with only a ``podSelector`` admits the policy's own namespace; a ``namespaceSelector``
  admits every namespace its labels match, whatever the peer's ``podSelector`` (some pod there
  may carry those labels);
- egress is analysed the same way from the source's side; a connection needs both.

``nfs_exposed`` asks a narrower question with ports and addresses: may a team's pods open NFS
(TCP 2049) to any address of the VPC, where every team's EFS mount targets are? A rule without
ports, a named port or a range covering 2049, towards no peer, or an ``ipBlock`` overlapping the
VPC (not wholly excepted) says yes.

Namespaces the graphs do not create (kube-system, or any created later by hand) are stood for
by ``OTHER``, a namespace with no labels but its name label, which only selectors like ``{}``
or ``DoesNotExist`` match. Kubernetes labels every namespace ``kubernetes.io/metadata.name``,
and so does this analysis. Pure: no Pulumi.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.graph import ResourceGraph

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
NAME_LABEL = "kubernetes.io/metadata.name"
OTHER = "(any other namespace)"
ROLE_LABEL = "teamstack.io/namespace-role"
TEAM_LABEL = "teamstack.io/team"


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def all_labels(self) -> dict[str, str]:
        if self.name == OTHER:
            return {}
        return {**self.labels, NAME_LABEL: self.name}

    @property
    def team(self) -> str | None:
        return self.labels.get(TEAM_LABEL) if self.labels.get(ROLE_LABEL) == "team" else None


@dataclass(frozen=True)
class Policy:
    namespace: str
    name: str
    spec: Mapping[str, Any]

    def types(self) -> set[str]:
        declared = self.spec.get("policyTypes")
        if declared:
            return set(declared)
        return {"Ingress", *(["Egress"] if "egress" in self.spec else [])}


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions, ANDed)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], set(expr.get("values") or [])
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _selects_all(selector: Mapping[str, Any] | None) -> bool:
    return selector is not None and not selector.get("matchLabels") \
        and not selector.get("matchExpressions")


def _peer_admits(peer: Mapping[str, Any], own: str, other: Namespace) -> bool:
    if "ipBlock" in peer:
        return True
    if "namespaceSelector" in peer:
        return selector_matches(peer["namespaceSelector"], other.all_labels())
    return other.name == own  # a podSelector alone means pods of the policy's namespace


def _rules_admit(rules: list[Mapping[str, Any]] | None, key: str, own: str,
                 other: Namespace) -> bool:
    for rule in rules or []:
        peers = rule.get(key)
        if not peers:
            return True  # no peers: from (or to) everywhere
        if any(_peer_admits(peer, own, other) for peer in peers):
            return True
    return False


def _direction_allows(policies: list[Policy], direction: str, own: str,
                      other: Namespace) -> bool:
    relevant = [p for p in policies if direction in p.types()]
    if not any(_selects_all(p.spec.get("podSelector")) for p in relevant):
        return True  # some pod may be selected by no policy: not isolated
    key, field_ = ("from", "ingress") if direction == "Ingress" else ("to", "egress")
    return any(_rules_admit(p.spec.get(field_), key, own, other) for p in relevant)


@dataclass
class Reachability:
    namespaces: dict[str, Namespace]
    edges: set[tuple[str, str]]  # (source namespace, destination namespace)
    policies: list[Policy] = field(default_factory=list)

    def reaches(self, source: str, destination: str) -> bool:
        return (source, destination) in self.edges

    def admitted_into(self, destination: str) -> set[str]:
        return {s for s, d in self.edges if d == destination}

    def cross_team(self) -> list[tuple[str, str]]:
        """(source, destination) pairs where a team's namespace admits another team's pods
        (or pods of a namespace not known to belong to it)."""
        bad = []
        for (source, destination) in sorted(self.edges):
            dest = self.namespaces[destination]
            if dest.team is None or source == destination:
                continue
            src = self.namespaces[source]
            if src.team != dest.team:
                bad.append((source, destination))
        return bad


def analyse(namespaces: Iterable[Namespace], policies: Iterable[Policy]) -> Reachability:
    known = {n.name: n for n in namespaces}
    known.setdefault(OTHER, Namespace(OTHER))
    by_namespace: dict[str, list[Policy]] = {}
    for policy in policies:
        by_namespace.setdefault(policy.namespace, []).append(policy)
    edges = set()
    for source in known.values():
        for destination in known.values():
            if not _direction_allows(by_namespace.get(destination.name, []), "Ingress",
                                     destination.name, source):
                continue
            if not _direction_allows(by_namespace.get(source.name, []), "Egress",
                                     source.name, destination):
                continue
            edges.add((source.name, destination.name))
    return Reachability(known, edges, [p for ps in by_namespace.values() for p in ps])


def from_graphs(graphs: Iterable[ResourceGraph]) -> Reachability:
    """The namespaces and policies of several stacks' plans (one cluster), analysed together."""
    namespaces, policies = [], []
    for graph in graphs:
        for resource in graph.resources:
            metadata = resource.inputs.get("metadata") or {}
            if resource.type == NAMESPACE_TYPE:
                namespaces.append(Namespace(metadata["name"], dict(metadata.get("labels") or {})))
            elif resource.type == POLICY_TYPE:
                policies.append(Policy(metadata.get("namespace") or "default", metadata["name"],
                                       resource.inputs.get("spec") or {}))
    return analyse(namespaces, policies)


# -- NFS: may a namespace's pods open TCP 2049 to an address of the VPC? ---------------------------

NFS_PORT = 2049
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _port_covers(port: Mapping[str, Any], number: int, protocol: str) -> bool:
    if port.get("protocol", "TCP") != protocol:
        return False
    low = port.get("port")
    if low is None or isinstance(low, str):
        return True  # every port, or a named port (may be anything): conservative
    return int(low) <= number <= int(port.get("endPort") or low)


def _ip_peer_may_cover(peer: Mapping[str, Any], network: Network) -> bool:
    """May an ``ipBlock`` peer admit some address of ``network``? Selector peers address
    pods, never a mount target (an ENI in a subnet), so they do not."""
    block = peer.get("ipBlock")
    if block is None:
        return False
    cidr = ipaddress.ip_network(block["cidr"], strict=False)
    if cidr.version != network.version or not cidr.overlaps(network):
        return False
    excepted = [ipaddress.ip_network(e, strict=False) for e in block.get("except") or []]
    return not any(network.subnet_of(e) for e in excepted  # type: ignore[arg-type]
                   if e.version == network.version)


def reaches_nfs(policies: list[Policy], vpc_cidr: str) -> bool:
    """Whether some pod of the namespace whose policies these are may connect to TCP 2049 at
    some address of the VPC (where every team's EFS mount targets are)."""
    network = ipaddress.ip_network(vpc_cidr)
    relevant = [p for p in policies if "Egress" in p.types()]
    if not any(_selects_all(p.spec.get("podSelector")) for p in relevant):
        return True  # some pod is not isolated for egress
    for policy in relevant:
        for rule in policy.spec.get("egress") or []:
            ports = rule.get("ports")
            if ports and not any(_port_covers(p, NFS_PORT, "TCP") for p in ports):
                continue
            peers = rule.get("to")
            if not peers or any(_ip_peer_may_cover(p, network) for p in peers):
                return True
    return False


def nfs_exposed(graphs: Iterable[ResourceGraph], vpc_cidr: str) -> list[str]:
    """Team namespaces whose pods may reach some EFS mount target (any team's) with NFS."""
    found = from_graphs(graphs)
    by_namespace: dict[str, list[Policy]] = {}
    for policy in found.policies:
        by_namespace.setdefault(policy.namespace, []).append(policy)
    return sorted(name for name, ns in found.namespaces.items()
                  if ns.team is not None and reaches_nfs(by_namespace.get(name, []), vpc_cidr))

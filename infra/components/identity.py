"""Who may act as a team: its people (federated sign-in) and its workloads (pods and hosts).

Each team gets two roles, both under a per-team permissions boundary:

* ``<team>-<env>-people``, assumed through the identity provider the platform configures
  (SAML / IAM Identity Center, or OIDC); for data work, desktops and the team's budget.
* ``<team>-<env>-workload``, assumed by the team's pods through EKS Pod Identity and by the
  team's desktops and runners through an instance profile.

Policies are built from the recorded ARNs inside ``Output.apply`` (never an invoke), so the
offline plan holds the exact documents IAM will get; ``infra.components.policies`` explains
how they keep teams apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent
from infra.components.k8s import names
from infra.components.policies import (
    TeamResources,
    boundary_statements,
    data_statements,
    document,
    host_statements,
    people_statements,
    people_trust,
    workload_trust,
)

PEOPLE_SESSION_SECONDS = 8 * 3600  # a working day without signing in again
ROLE_PATH = "/teamstack/"


@dataclass(frozen=True)
class IdentityProviderArgs:
    """The platform's sign-in for people, which every team's people role trusts."""

    naming: Naming
    """``platform`` and the environment."""
    provider: str
    """``saml`` (an existing provider, referenced) or ``oidc`` (created here). Switching
    changes every team's trust policy on the teams' next deploy."""
    saml_provider_name: str | None = None
    """SAML: the IAM provider's name (IAM Identity Center or the IdP's admin owns it)."""
    oidc_issuer_url: str | None = None
    """OIDC: the issuer. Changing it replaces the IAM OIDC provider."""
    oidc_client_id: str | None = None
    """OIDC: the audience tokens must be issued to. In place."""


class PeopleIdentityProvider(TeamstackComponent):
    """The platform's sign-in for people, which every team's people role trusts.

    A SAML provider is referenced, not created: IAM Identity Center (or the IdP's admin) owns
    it together with its metadata document, which rotates with the IdP's certificate. An OIDC
    provider is created here from the issuer and client id.
    """

    TYPE = "teamstack:identity:PeopleIdentityProvider"
    COMPONENT = "identity"

    def __init__(self, name: str, args: IdentityProviderArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        self.type = args.provider
        if args.provider == "saml":
            if not args.saml_provider_name:
                raise ValueError("identity.provider saml needs identity.saml_provider_name")
            account = aws.get_caller_identity().account_id
            partition = aws.get_partition().partition
            self.arn: pulumi.Output[str] = pulumi.Output.from_input(
                f"arn:{partition}:iam::{account}:saml-provider/{args.saml_provider_name}")
            self.issuer = ""
            self.audience = ""
        else:
            if not args.oidc_issuer_url or not args.oidc_client_id:
                raise ValueError("identity.provider oidc needs oidc_issuer_url and "
                                 "oidc_client_id")
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc", url=args.oidc_issuer_url, client_id_lists=[args.oidc_client_id],
                opts=self.child())
            self.arn = provider.arn
            self.issuer = args.oidc_issuer_url.removeprefix("https://").rstrip("/")
            self.audience = args.oidc_client_id
        self.register_outputs({"arn": self.arn, "type": self.type})


@dataclass(frozen=True)
class IdentityArgs:
    """Who may act as the team, and on what. Policies change in place; role names do not."""

    naming: Naming
    """Team and environment: roles ``<team>-<env>-people`` / ``-workload`` and the boundary.
    Changing it replaces the roles (sessions and Pod Identity bindings move to the new ones)."""
    team: str
    """The team, whose tag (``teamstack:team``) scopes what the roles may touch."""
    region: str
    """The region of the team's resources, in the policies' ARNs."""
    bucket_arns: Sequence[pulumi.Input[str]] = ()
    """The team's buckets: the only buckets the roles may read and write. In place."""
    key_arn: pulumi.Input[str] | None = None
    """The team's data key, for the buckets' and volumes' encryption. In place."""
    file_system_arn: pulumi.Input[str] | None = None
    """The shared EFS home, which workloads may mount. In place."""
    budget_name: str | None = None
    """The team's budget, which the people role may read. In place."""
    idp_arn: pulumi.Input[str] = ""
    """The platform's identity provider, the only principal the people role trusts. Changing
    it changes the trust policy in place: sign-ins through the old provider stop working."""
    idp_type: pulumi.Input[str] = "saml"
    """``saml`` or ``oidc``: which trust conditions the people role gets."""
    idp_issuer: pulumi.Input[str] = ""
    """OIDC only: the issuer whose tokens are trusted."""
    idp_audience: pulumi.Input[str] = ""
    """OIDC only: the client id a token must be issued to."""
    pod_clusters: Sequence[str] = ()
    """Where the team's pods run: the clusters (the platform's, and the team's own if
    dedicated) the workload role's Pod Identity trust admits. In place."""
    pod_namespaces: Sequence[str] = ()
    """The namespaces (the team's, the hub's) that trust admits. In place."""


class TeamIdentity(TeamstackComponent):
    """The team's people and workload roles, their instance profile and boundary."""

    TYPE = "teamstack:identity:TeamIdentity"
    COMPONENT = "identity"

    def __init__(self, name: str, args: IdentityArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        naming = args.naming
        identity = aws.get_caller_identity()
        partition = aws.get_partition().partition
        account = identity.account_id
        resources = pulumi.Output.all(
            list(args.bucket_arns), args.key_arn, args.file_system_arn,
        ).apply(lambda v: TeamResources(
            team=args.team, prefix=naming.prefix, account=account, region=args.region,
            partition=partition, bucket_arns=tuple(v[0]), key_arn=v[1], file_system_arn=v[2],
            budget_name=args.budget_name))

        self.boundary = aws.iam.Policy(
            f"{name}-boundary", name=naming.physical("boundary"), path=ROLE_PATH,
            description=f"Permissions boundary of every role of {naming.prefix}",
            policy=resources.apply(lambda r: document(boundary_statements(r))),
            opts=self.child())

        self.workload_role = aws.iam.Role(
            f"{name}-workload", name=naming.physical("workload"), path=ROLE_PATH,
            description=f"Pods (EKS Pod Identity) and hosts of {naming.prefix}",
            assume_role_policy=workload_trust(
                account, args.pod_clusters,
                args.pod_namespaces or (names.team_namespace(args.team),
                                        names.JUPYTERHUB_NAMESPACE)),
            permissions_boundary=self.boundary.arn, opts=self.child())
        aws.iam.RolePolicy(
            f"{name}-workload", name="team-access", role=self.workload_role.id,
            policy=resources.apply(lambda r: document([*data_statements(r),
                                                       *host_statements(r)])),
            opts=self.child())
        self.instance_profile = aws.iam.InstanceProfile(
            f"{name}-workload", name=naming.physical("workload"), path=ROLE_PATH,
            role=self.workload_role.name, opts=self.child())

        trust = pulumi.Output.all(args.idp_arn, args.idp_type, args.idp_issuer,
                                  args.idp_audience).apply(
            lambda v: people_trust(v[0], v[1], args.team, issuer=v[2], audience=v[3]))
        self.people_role = aws.iam.Role(
            f"{name}-people", name=naming.physical("people"), path=ROLE_PATH,
            description=f"People of {naming.prefix}, signed in through the platform's IdP",
            assume_role_policy=trust, max_session_duration=PEOPLE_SESSION_SECONDS,
            permissions_boundary=self.boundary.arn, opts=self.child())
        aws.iam.RolePolicy(
            f"{name}-people", name="team-access", role=self.people_role.id,
            policy=resources.apply(lambda r: document([*data_statements(r),
                                                       *people_statements(r)])),
            opts=self.child())
        self.register_outputs({
            "people_role_arn": self.people_role.arn,
            "workload_role_arn": self.workload_role.arn,
            "instance_profile": self.instance_profile.name,
            "boundary_arn": self.boundary.arn,
        })

"""teamstack: environments for data-science teams, as code.

The package doubles as the Pulumi program (``infra/__main__.py``) and as the ``teamstack``
command line (``infra/cli.py``). Pure logic (request, profiles, cost, policy, simulate) never
imports Pulumi, so that validation and simulation stay fast and testable without the SDK.
"""

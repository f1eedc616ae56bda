"""Builders that wire components into a stack, grouped by layer.

Each module exposes ``TEAM_BUILDERS`` and ``PLATFORM_BUILDERS``: functions taking the stack's
context (infra.program.TeamContext / PlatformContext) and creating components. infra/program.py
runs them in order: AWS foundations first, then Kubernetes objects that use them.
"""

"""Builders that wire components into a stack, grouped by layer.

``context`` holds what every builder starts from (``TeamStack`` / ``PlatformStack``: the
request, names, the platform's outputs); ``aws`` and ``kubernetes`` hold the builders. Each
builder takes the stack and the typed results of the builders it depends on, and returns what
later builders need; ``infra/program.py`` calls them in order, AWS foundations first.
"""

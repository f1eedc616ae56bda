"""Sub-commands of the ``teamstack`` CLI, one module each (see infra/cli.py)."""

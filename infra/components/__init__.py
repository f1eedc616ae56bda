"""Pulumi ComponentResources, one concept each (storage, network, identity, ...).

Every component follows one pattern: a typed args class, a ``teamstack:<area>:<Name>`` type
token, ``ResourceOptions(parent=self)`` for every child, ``register_outputs()`` last. Tags are
not set here: the stack-wide transform in ``tagging.py`` sets them on every taggable resource.
"""

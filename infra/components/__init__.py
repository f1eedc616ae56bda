"""Pulumi ComponentResources, one concept each (storage, network, identity, ...).

Every component follows one pattern: a typed args class, a ``teamstack:<area>:<Name>`` type
token, ``ResourceOptions(parent=self)`` for every child, ``register_outputs()`` last. Tags are
not set here: the stack-wide transform in ``tagging.py`` sets them on every taggable resource.

Args fields carry a docstring saying what the field is, why, and what changing it does to a
deployed stack (in place, or a replaced resource and what is lost with it), as pulumi-eks's
``ClusterOptions`` do. Policy from a workload profile comes in one shape: the component's
layer as a ``LayerPolicy`` (settings plus the fields owned at run time). Outputs are typed
attributes registered under the same names.
"""

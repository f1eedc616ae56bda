"""A MockMonitor that records every registration the program makes, as plain data.

The SDK's MockMonitor keeps only URN, id and mock state; a plan needs what the engine would
receive: the type, name, parent, explicit dependencies, provider and the inputs (with their
engine-level camelCase keys). Secret inputs are recorded as a marker, never as their value,
because plans end up in pull-request comments. A resource passed as an input is recorded as its
URN and an asset or archive as its content (text, path or URI), never as a Python object whose
text holds a memory address: the plan must read the same on every run.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from google.protobuf import struct_pb2  # type: ignore[import-untyped]  # no stubs installed
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs, _resolve_callbacks
from pulumi.runtime.proto import resource_pb2

from infra.graph import SECRET_MARKER, Resource

STACK_TYPE = "pulumi:pulumi:Stack"


def plain(value: Any) -> Any:
    """Deserialized RPC values -> JSON-ready data; secrets replaced by a marker."""
    if rpc.is_rpc_secret(value):
        return SECRET_MARKER
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def by_identity(properties: struct_pb2.Struct) -> struct_pb2.Struct:
    """A copy of serialized properties in which each resource reference is its URN and each
    asset or archive a plain mapping of its content. Deserialized as they are, they would be
    SDK objects recorded as text holding a memory address; worse, the SDK rebuilds a referenced
    resource of a known package (a Bucket) on this executor thread's event loop, which never
    runs again, and the program then waits for it forever."""
    copy = struct_pb2.Struct()
    copy.CopyFrom(properties)
    _by_identity(copy)
    return copy


def _by_identity(container: struct_pb2.Struct | struct_pb2.ListValue) -> None:
    keys = list(container.keys()) if isinstance(container, struct_pb2.Struct) \
        else range(len(container))
    for key in keys:
        value = container[key]
        if isinstance(value, struct_pb2.Struct) and rpc._special_sig_key in value:
            signature = value[rpc._special_sig_key]
            if signature == rpc._special_resource_sig:
                container[key] = value["urn"]
                continue
            if signature in (rpc._special_asset_sig, rpc._special_archive_sig):
                del value[rpc._special_sig_key]
        if isinstance(value, struct_pb2.Struct | struct_pb2.ListValue):
            _by_identity(value)


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: Any) -> None:
        super().__init__(mocks)
        self.recorded: list[Resource] = []
        self.stack_urn: str | None = None
        self.stack_outputs: dict[str, Any] = {}
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()

    def _thread_loop(self) -> asyncio.AbstractEventLoop:
        """The SDK calls the monitor from executor threads and needs an event loop there; we
        create it ourselves so that ``close_loops`` can close it (an unclosed loop garbage-
        collected at interpreter exit prints 'Exception ignored' noise to the user)."""
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._local.loop = loop
            with self._lock:
                self._loops.append(loop)
        return loop

    def close_loops(self) -> None:
        with self._lock:
            for loop in self._loops:
                if not loop.is_closed():
                    loop.close()
            self._loops.clear()

    def RegisterResource(self, request: Any) -> Any:
        """As MockMonitor.RegisterResource, deserializing the inputs once (references and
        assets by identity, for the mocks too) and recording them."""
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        loop = self._thread_loop()
        inputs = rpc.deserialize_properties(by_identity(request.object), keep_unknowns=True)
        id_, state = self.mocks.new_resource(MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
            transforms=_resolve_callbacks(request.transforms)))
        obj_proto = loop.run_until_complete(rpc.serialize_properties(state, {}))
        # Pulumi's own MockMonitor passes the mock's id through as is (None for components);
        # its annotations say str.
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, state)  # type: ignore[arg-type]
        self.recorded.append(Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            inputs=plain(inputs),
            dependencies=tuple(sorted(set(request.dependencies))),
            provider=request.provider or None,
            custom=bool(request.custom),
            ignore_changes=tuple(sorted(request.ignoreChanges)),
        ))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_,  # type: ignore[arg-type]
                                                     object=obj_proto)

    def Invoke(self, request: Any) -> Any:
        self._thread_loop()
        return super().Invoke(request)  # type: ignore[no-untyped-call]  # pulumi's is unannotated

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if self.stack_urn is not None and request.urn == self.stack_urn:
            outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
            self.stack_outputs = {k: _unwrap(v) for k, v in outputs.items()}
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


def _unwrap(value: Any) -> Any:
    """Stack outputs keep their values (secrets too): they feed other stacks' references."""
    if rpc.is_rpc_secret(value):
        return _unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value

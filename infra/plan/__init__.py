"""Offline planning: run the real Pulumi program under the SDK's mocks and record the graph."""

"""Snapshot format, typed inventory and normalization: pure data, no I/O beyond files."""

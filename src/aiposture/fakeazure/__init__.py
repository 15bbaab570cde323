"""Loopback HTTPS emulator of the Azure read APIs, serving a snapshot (tests, demos, peers)."""

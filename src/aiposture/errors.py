"""Typed errors raised at the edges; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class AiPostureError(Exception):
    """Base class. `str(err)` is the one line shown to the user."""

    exit_code = 2


class InputError(AiPostureError):
    """Bad input: a file that cannot be read or parsed, or a row that makes no sense.

    The message names what, where and what to do.
    """

    exit_code = 2


class ConfigError(AiPostureError):
    """aiposture.toml or a flag has an invalid value."""

    exit_code = 2


class CollectionError(AiPostureError):
    """Nothing could be read or collected (exit code 3)."""

    exit_code = 3

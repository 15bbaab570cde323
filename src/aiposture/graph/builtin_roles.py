"""The shipped built-in role table lives in aiposture.facts.builtin_roles."""

from __future__ import annotations

from aiposture.facts.builtin_roles import builtin_role, builtin_role_by_name, builtin_roles

__all__ = ["builtin_role", "builtin_role_by_name", "builtin_roles"]

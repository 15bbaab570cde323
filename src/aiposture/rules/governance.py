"""GOV: landing zones, Azure Policy guardrails, tagging and shadow AI."""

from __future__ import annotations

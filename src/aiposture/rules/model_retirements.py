"""Known retirement dates of Azure OpenAI model versions (for AIP-MDL-006).

Source: Microsoft Learn, "Azure OpenAI in Microsoft Foundry model deprecations and retirements"
https://learn.microsoft.com/azure/ai-foundry/openai/concepts/model-retirements (include
articles/ai-foundry/openai/includes/retirement/models.md, ms.date 12/16/2025) and "Retired Azure
OpenAI models" https://learn.microsoft.com/azure/ai-foundry/openai/concepts/legacy-models
(ms.date 02/12/2026). Only firm dates are listed; "no earlier than" dates are not retirements.
Users extend or override this table in aiposture.toml ([[models.retirements]]).
"""

from __future__ import annotations

import datetime as dt

from aiposture.config import Settings

D = dt.date

# (model name, version) -> retirement date; both compared lower-case.
SHIPPED: dict[tuple[str, str], dt.date] = {
    # retired (legacy-models.md)
    ("gpt-35-turbo", "0301"): D(2025, 2, 13),
    ("gpt-35-turbo", "0613"): D(2025, 2, 13),
    ("gpt-35-turbo-16k", "0613"): D(2025, 4, 30),
    ("gpt-4", "0314"): D(2025, 6, 6),
    ("gpt-4-32k", "0314"): D(2025, 6, 6),
    ("gpt-4", "0613"): D(2025, 6, 6),
    ("gpt-4-32k", "0613"): D(2025, 6, 6),
    ("gpt-4.5-preview", "2025-02-27"): D(2025, 7, 14),
    ("o1-preview", "2024-09-12"): D(2025, 7, 28),
    ("gpt-4o-realtime-preview", "2024-10-01"): D(2025, 3, 26),
    ("babbage-002", "1"): D(2025, 1, 27),
    ("davinci-002", "1"): D(2025, 1, 27),
    ("dall-e-2", "2"): D(2025, 1, 27),
    # scheduled (includes/retirement/models.md)
    ("gpt-5-chat", "2025-08-07"): D(2026, 3, 1),
    ("gpt-5-chat", "2025-10-03"): D(2026, 3, 1),
    ("gpt-4o", "2024-05-13"): D(2026, 3, 31),
    ("gpt-4o", "2024-08-06"): D(2026, 3, 31),
    ("gpt-4o", "2024-11-20"): D(2026, 6, 5),
    ("gpt-4o-mini", "2024-07-18"): D(2026, 3, 31),
    ("gpt-4.1", "2025-04-14"): D(2026, 10, 14),
    ("gpt-4.1-mini", "2025-04-14"): D(2026, 10, 14),
    ("gpt-4.1-nano", "2025-04-14"): D(2026, 10, 14),
    ("o1", "2024-12-17"): D(2026, 7, 15),
    ("o1-pro", "2025-03-19"): D(2026, 9, 18),
    ("o3-mini", "2025-01-31"): D(2026, 8, 2),
    ("o3", "2025-04-16"): D(2026, 10, 16),
    ("o3-pro", "2025-06-10"): D(2026, 12, 10),
    ("o3-deep-research", "2025-06-26"): D(2026, 12, 26),
    ("o4-mini", "2025-04-16"): D(2026, 10, 16),
    ("codex-mini", "2025-05-16"): D(2026, 11, 15),
    ("model-router", "2025-11-18"): D(2027, 5, 20),
    ("gpt-5-mini", "2025-08-07"): D(2027, 2, 6),
    ("gpt-5-nano", "2025-08-07"): D(2027, 2, 6),
    ("gpt-5-codex", "2025-09-15"): D(2027, 3, 17),
    ("gpt-5-pro", "2025-10-06"): D(2027, 4, 7),
    ("gpt-5.1", "2025-11-13"): D(2027, 5, 15),
    ("gpt-5.1-codex", "2025-11-13"): D(2027, 5, 15),
    ("gpt-5.1-codex-mini", "2025-11-13"): D(2027, 5, 15),
    ("gpt-4o-audio-preview", "2024-12-17"): D(2026, 2, 2),
    ("gpt-4o-realtime-preview", "2024-12-17"): D(2026, 2, 2),
    ("gpt-4o-transcribe-diarize", "2025-10-15"): D(2027, 4, 16),
    ("gpt-audio", "2025-08-28"): D(2027, 2, 28),
    ("gpt-realtime", "2025-08-28"): D(2027, 2, 28),
    ("gpt-audio-mini", "2025-10-06"): D(2027, 4, 7),
    ("dall-e-3", "3"): D(2026, 2, 18),
    ("gpt-image-1-mini", "2025-10-06"): D(2027, 4, 7),
}


def retirement_table(settings: Settings) -> dict[tuple[str, str], dt.date]:
    """The shipped table, extended (and overridden) by the user's configured retirements."""
    table = dict(SHIPPED)
    for r in settings.model_retirements:
        table[(r.name.lower(), r.version.lower())] = r.retires
    return table


def retirement_date(settings: Settings, name: str | None, version: str | None) -> dt.date | None:
    if not name or not version:
        return None
    return retirement_table(settings).get((name.lower(), version.lower()))

"""Notifications for scheduled runs: a short summary of what is new, POSTed as JSON, or as a
Teams or Slack incoming-webhook payload.

The message carries counts, the top new failures (rule, severity, resource, a link to the
fix) and the guardrail changes to review with who made them. Never evidence, property values
or anything read from a secret-bearing field. The webhook URL is a secret itself: errors name
its host only. Transient failures (connection errors, 429, 5xx) are retried with backoff
(urllib3's Retry, honouring Retry-After); each attempt has a timeout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.util import Retry, Timeout

from aiposture.errors import InputError, NotifyError
from aiposture.history.diff import ScanDiff
from aiposture.history.render import who
from aiposture.model.sanitize import one_line

FORMATS = ("json", "teams", "slack")
TOP = 5
DEFAULT_LINK_BASE = "docs/rules.md"
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def summary(d: ScanDiff, link_base: str = DEFAULT_LINK_BASE) -> dict[str, Any]:
    """The JSON summary (the `json` format's body; Teams and Slack render it)."""
    fresh = sorted(
        d.new_failures(),
        key=lambda fc: (_SEVERITY_ORDER.get(fc.finding.severity, 9), fc.finding.rule_id),
    )
    counts = d.counts()
    return {
        "tool": "aiposture",
        "tenant_id": d.new.tenant_id,
        "scan": d.new.id,
        "scanned_at": d.new.scanned_at.isoformat(),
        "compared_with": d.old.id,
        "counts": {
            "new_failures": len(fresh),
            "regressed": counts["regressed"],
            "resolved": counts["resolved"],
            "newly_undecidable": counts["newly_undecidable"],
            "settings_changed": counts["settings_changed"],
            "configuration_changes_to_review": counts["guardrail_changes"],
            "access_gained": counts["access_gained"],
            "failing_now": dict(d.new.counts.get("severity", {})),
        },
        "top_new_failures": [
            {
                "rule_id": fc.finding.rule_id,
                "title": one_line(fc.finding.title, 200),
                "severity": fc.finding.severity,
                "resource": one_line(fc.finding.resource_name, 200),
                "category": fc.category,
                "changed_by": who(fc.changes),
                "fix": f"{link_base}#{fc.finding.rule_id.lower()}",
            }
            for fc in fresh[:TOP]
        ],
        "configuration_changes_to_review": [
            {
                "change": g.label,
                "resource": one_line(g.resource_name, 200),
                "changed_by": one_line(g.record.changed_by, 200),
                "when": g.record.timestamp,
                "client": one_line(g.record.client_type, 100),
            }
            for g in d.guardrails[:TOP]
        ],
    }


def _lines(s: Mapping[str, Any]) -> list[str]:
    c = s["counts"]
    out = [
        f"aiposture: tenant {s['tenant_id']}, scan {s['scan']}: {c['new_failures']} new "
        f"failure(s), {c['regressed']} regressed, {c['resolved']} resolved, "
        f"{c['configuration_changes_to_review']} configuration change(s) to review"
    ]
    for f in s["top_new_failures"]:
        by = f" (changed by {f['changed_by']})" if f["changed_by"] else ""
        out.append(
            f"{f['severity'].upper()} {f['rule_id']} {f['title']}: {f['resource']}{by}"
            f" - fix: {f['fix']}"
        )
    for g in s["configuration_changes_to_review"]:
        out.append(f"Review: {g['change']} on {g['resource']} by {g['changed_by']} at {g['when']}")
    return out


def payload(s: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    if fmt == "json":
        return dict(s)
    lines = _lines(s)
    if fmt == "slack":
        return {
            "text": lines[0],
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
        }
    if fmt == "teams":  # an Adaptive Card, as Teams workflows' incoming webhooks take it
        body = [{"type": "TextBlock", "text": lines[0], "weight": "Bolder", "wrap": True}]
        body += [{"type": "TextBlock", "text": line, "wrap": True} for line in lines[1:]]
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": body,
                    },
                }
            ],
        }
    raise InputError(f"--notify-format {fmt}: unknown; choose from {', '.join(FORMATS)}")


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError(
            f"--notify {host_of(url)}: not an http(s) URL; pass the webhook URL to POST to"
        )
    return url


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" if parts.hostname else "<the --notify URL>"


def send(
    url: str,
    body: Mapping[str, Any],
    *,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 10.0,
    ca_certs: str | None = None,
) -> int:
    """POST the payload; returns the HTTP status. NotifyError after the retries are spent."""
    check_url(url)
    retry = Retry(
        total=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    kwargs: dict[str, Any] = {"retries": retry, "timeout": Timeout(connect=timeout, read=timeout)}
    if ca_certs:
        kwargs["ca_certs"] = ca_certs
    http = urllib3.PoolManager(**kwargs)
    try:
        resp = http.request(
            "POST",
            url,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "aiposture"},
        )
    except urllib3.exceptions.HTTPError as exc:
        raise NotifyError(
            f"--notify {host_of(url)}: not delivered after {retries} retries "
            f"({type(exc).__name__}); the scan was stored, check the URL and network"
        ) from None
    finally:
        http.clear()
    if resp.status >= 400:
        raise NotifyError(
            f"--notify {host_of(url)}: the receiver answered HTTP {resp.status}; "
            "the scan was stored, check the webhook URL"
        )
    return int(resp.status)

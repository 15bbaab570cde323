"""--notify: payloads (JSON, Teams, Slack), retries with backoff against a loopback receiver,
a timeout, and no secret in messages (the webhook URL's path is one)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time

import pytest
from helpers import ACC, T0, change, finding, record
from test_end_to_end import Receiver

from aiposture.errors import InputError, NotifyError
from aiposture.history.diff import diff
from aiposture.history.notify import payload, send, summary


def _summary() -> dict:  # type: ignore[type-arg]
    old = record(T0, findings=[finding("AIP-NET-001", ACC, "PASS")])
    new = record(
        T0 + dt.timedelta(days=1),
        findings=[
            finding("AIP-NET-001", ACC, "FAIL"),
            finding("AIP-IDN-001", ACC, "FAIL", "critical"),
        ],
        changes=[change(ACC, "properties.publicNetworkAccess", "Disabled", "Enabled")],
    )
    return summary(diff(old, new), "https://example.test/rules")


def test_summary_is_short_and_has_no_evidence() -> None:
    s = _summary()
    assert s["counts"]["new_failures"] == 2 and s["counts"]["regressed"] == 1
    assert [f["rule_id"] for f in s["top_new_failures"]] == ["AIP-IDN-001", "AIP-NET-001"]
    assert s["top_new_failures"][1]["fix"] == "https://example.test/rules#aip-net-001"
    assert s["top_new_failures"][1]["changed_by"].startswith("mallory@contoso.com at ")
    assert s["configuration_changes_to_review"][0]["change"] == "public network access enabled"
    text = json.dumps(s)
    assert "properties.x" not in text and "evidence" not in text and "Enabled" not in text


def test_teams_and_slack_payloads() -> None:
    s = _summary()
    teams = payload(s, "teams")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert any("AIP-NET-001" in b["text"] for b in card["content"]["body"])
    slack = payload(s, "slack")
    assert "2 new failure(s)" in slack["text"]
    assert "AIP-IDN-001" in slack["blocks"][0]["text"]["text"]


def test_retries_then_delivers() -> None:
    r = Receiver()
    try:
        r.fail_first = 2
        assert send(r.url, {"a": 1}, backoff=0.01) == 200
        assert r.bodies == [{"a": 1}]
    finally:
        r.close()


def test_gives_up_with_one_line_and_no_secret() -> None:
    r = Receiver()
    try:
        r.fail_first = 10
        with pytest.raises(NotifyError) as exc:
            send(r.url, {"a": 1}, retries=2, backoff=0.01)
    finally:
        r.close()
    msg = str(exc.value)
    assert "HTTP 503" in msg or "not delivered" in msg
    assert "secret-token" not in msg and "\n" not in msg


def test_timeout_on_a_receiver_that_never_answers() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(5)  # accepts connections, never answers
        url = f"http://127.0.0.1:{s.getsockname()[1]}/hook/secret-token"
        t = time.monotonic()
        with pytest.raises(NotifyError) as exc:
            send(url, {"a": 1}, retries=1, backoff=0.01, timeout=0.3)
        assert time.monotonic() - t < 10
    assert "secret-token" not in str(exc.value)


def test_not_a_url() -> None:
    with pytest.raises(InputError):
        send("ftp://example.test/x", {})

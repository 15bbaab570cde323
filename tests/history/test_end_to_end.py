"""The issue's "done means", end to end through the CLI: on the demo tenant, two scans with a
deliberate regression between them (the corp content filter relaxed and the hub's storage
account opened by a named user, a user granted use of the corp Azure OpenAI account).

The diff names the regressions, the property changes, who made them and when; the
notification (to a loopback receiver) says so; `history` shows the timeline; the access review
shows the principal who gained access.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from daytwo import GRANTEE_UPN, WHO, day_two

from aiposture.cli.main import main
from aiposture.model.snapshot import write_snapshot


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.fail_first = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.fail_first > 0:
                    outer.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0)


def test_regression_diff_history_access_and_notification(
    tmp_path: Path, receiver: Receiver
) -> None:
    store = str(tmp_path / "h.sqlite")
    assert (
        run(
            "scan",
            "--demo",
            "--store",
            store,
            "-q",
            "--format",
            "json",
            "--output",
            str(tmp_path / "r1.json"),
        )
        == 0
    )
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    write_snapshot(day_two(when), tmp_path / "day2.json")
    receiver.fail_first = 1  # the retry policy gets it through
    assert (
        run(
            "scan",
            "--input",
            str(tmp_path / "day2.json"),
            "--store",
            store,
            "-q",
            "--format",
            "json",
            "--output",
            str(tmp_path / "r2.json"),
            "--notify",
            receiver.url,
        )
        == 0
    )

    # The diff of the two latest scans of the tenant.
    assert (
        run("diff", "--store", store, "--format", "json", "--output", str(tmp_path / "d.json")) == 0
    )
    d = json.loads((tmp_path / "d.json").read_text())
    regressed = {(f["rule_id"], f["resource_name"]): f for f in d["findings"]["regressed"]}
    assert set(regressed) == {("AIP-MDL-001", "gpt-4o-prod"), ("AIP-NET-009", "stcontosoaihub")}
    for f in regressed.values():
        assert (f["status_before"], f["status_now"]) == ("PASS", "FAIL")
        who = f["changes"][0]
        assert (who["changed_by"], who["timestamp"]) == (WHO, when)
    assert regressed[("AIP-MDL-001", "gpt-4o-prod")]["changes"][0]["target"].endswith(
        "/raipolicies/contoso-strict"
    )
    assert d["findings"]["new"] == [] and d["findings"]["resolved"] == []
    settings = {
        (s["resource_name"], s["path"], json.dumps(s["before"]), json.dumps(s["after"])): s[
            "changes"
        ][0]
        if s["changes"]
        else None
        for s in d["settings_changed"]
    }
    for key in (
        ("stcontosoaihub", "public_network_access", '"Disabled"', '"Enabled"'),
        ("stcontosoaihub", "network_acls.default_action", '"Deny"', '"Allow"'),
    ):
        assert key in settings, sorted(settings)
        assert settings[key]["changed_by"] == WHO
        assert settings[key]["client_type"] == "Azure CLI"
    rai = [k for k in settings if k[0] == "contoso-strict" and k[1] == "content_filters"]
    assert rai and settings[rai[0]]["changed_by"] == WHO
    labels = {(g["label"], g["changed_by"]) for g in d["configuration_changes_to_review"]}
    assert {
        ("content filter (raiPolicy) changed", WHO),
        ("public network access enabled", WHO),
        ("role assignment on an AI resource", "alex.admin@contoso.com"),
    } <= labels
    gained = {
        (g["principal_name"], g["capability"], g["resource_name"]) for g in d["access"]["gained"]
    }
    assert ("Casey Integrations", "use", "oai-contoso-corp-prod") in gained
    assert d["access"]["lost"] == []

    # Markdown and terminal name the same regression and who.
    assert run("diff", "--store", store, "--format", "md", "--output", str(tmp_path / "d.md")) == 0
    md = (tmp_path / "d.md").read_text()
    assert "AIP-NET-009" in md and WHO in md

    # The notification (JSON): counts, top new failures with fix links and who; no evidence.
    [note] = receiver.bodies
    assert note["counts"]["regressed"] == 2 and note["counts"]["new_failures"] == 2
    top = {(f["rule_id"], f["resource"]) for f in note["top_new_failures"]}
    assert top == {("AIP-MDL-001", "gpt-4o-prod"), ("AIP-NET-009", "stcontosoaihub")}
    assert all(
        WHO in f["changed_by"] and f["fix"].endswith(f["rule_id"].lower())
        for f in note["top_new_failures"]
    )
    assert "evidence" not in json.dumps(note) and "Enabled" not in json.dumps(note)

    # history: the scans, and the rule's timeline on the storage account.
    assert (
        run("history", "--store", store, "--format", "json", "--output", str(tmp_path / "h.json"))
        == 0
    )
    scans = json.loads((tmp_path / "h.json").read_text())["scans"]
    assert [s["scan"] for s in scans] == [1, 2]
    assert scans[1]["counts"]["status"]["FAIL"] == scans[0]["counts"]["status"]["FAIL"] + 2
    assert (
        run(
            "history",
            "--store",
            store,
            "--rule",
            "AIP-NET-009",
            "--resource",
            "stcontosoaihub",
            "--format",
            "json",
            "--output",
            str(tmp_path / "t.json"),
        )
        == 0
    )
    timeline = json.loads((tmp_path / "t.json").read_text())["timeline"]
    assert [(t["scan"], t["status"]) for t in timeline] == [(1, "PASS"), (2, "FAIL")]

    # access --since: the principal who gained access, as CSV for sign-off.
    assert (
        run(
            "access",
            "--input",
            str(tmp_path / "day2.json"),
            "--since",
            "1",
            "--store",
            store,
            "--format",
            "csv",
            "-q",
            "--output",
            str(tmp_path / "a.csv"),
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text())))
    gained = [r for r in rows if r["change"] == "gained"]
    assert {(r["principal_name"], r["capability"], r["role"]) for r in gained} == {
        ("Casey Integrations", "use", "Cognitive Services OpenAI User")
    }
    assert any(r["change"] == "stale" and r["stale"] == "guest account" for r in rows)
    assert GRANTEE_UPN.split("@")[0] not in {r["principal_id"] for r in rows}

    # CI gate on the diff.
    assert (
        run(
            "diff",
            "--store",
            store,
            "--fail-on-new",
            "high",
            "--format",
            "json",
            "--output",
            str(tmp_path / "d2.json"),
        )
        == 1
    )
    assert (
        run(
            "diff",
            "--store",
            store,
            "--fail-on-new",
            "critical",
            "--format",
            "json",
            "--output",
            str(tmp_path / "d3.json"),
        )
        == 0
    )

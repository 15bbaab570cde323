"""Helpers for the live tests: the collector pointed at a running fake Azure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiposture.app import scan_inventory
from aiposture.cli.live_cmd import rule_diagnostic_targets
from aiposture.collect.live.cloud import Cloud, resolve_cloud
from aiposture.collect.live.collector import CollectOptions, LiveCollector
from aiposture.config import Settings
from aiposture.fakeazure.server import FakeAzure, Limits
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Snapshot

# Small pages so that paging is exercised on the demo tenant without costing time.
TEST_LIMITS = Limits(arm_page=2, graph_page=3, graph_max_page=3, arg_page=1000)
FAST: dict[str, Any] = {
    "page_size": 7,
    "backoff_factor": 0.02,
    "backoff_max": 2.0,
    "retry_total": 5,
    # What the CLI passes: the rules' own targets for diagnostic settings.
    "diagnostic_targets": rule_diagnostic_targets,
}
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def cloud_for(fake: FakeAzure) -> Cloud:
    return resolve_cloud(
        "AzureCloud",
        arm_endpoint=fake.url,
        graph_endpoint=fake.url,
        authority=fake.url,
        ca_bundle=str(fake.ca_path),
    )


def credential_for(fake: FakeAzure) -> Any:
    from azure.identity import ClientSecretCredential

    return ClientSecretCredential(
        fake.tenant_id,
        "00000000-0000-0000-0000-0000000000c1",
        "not-a-real-secret",
        authority=fake.url,
        disable_instance_discovery=True,
        connection_verify=str(fake.ca_path),
    )


def collect(fake: FakeAzure, **options: Any) -> tuple[LiveCollector, Snapshot]:
    opts = {**FAST, **options}
    collector = LiveCollector(cloud_for(fake), credential_for(fake), CollectOptions(**opts))
    return collector, collector.collect()


def findings(snapshot: Snapshot) -> set[tuple[str, str, str]]:
    """(rule id, resource id lower-cased, status) of a scan of the snapshot."""
    result = scan_inventory(normalize(snapshot), Settings(), "test", now=NOW)
    return {(f.rule.id, f.resource_id.lower(), f.status.value) for f in result.findings}

"""Prometheus's part of ops/: the alert rules hold for Debian's Prometheus 2.42 and pass their unit tests
(promtool), every alert is tested firing and not firing and has a summary and a runbook in
docs/operations.md, and the scrape config has a target for every process's metrics port in the Procfile."""

import re
import shlex
import subprocess

import pytest

from tests.support.paths import ROOT
from tests.support.procfile import procfile
from tests.support.prometheus import (
    ALERT_TESTS,
    ALERTS,
    PROMETHEUS_CONFIG,
    alert_rules,
    load_yaml,
    promtool,
)

WEB_METRICS_PORTS = range(9110, 9120)  # METRICS_PORT_RANGE's default: gunicorn's workers take the first ones
WITHOUT_METRICS = {"flower", "ui"}  # Flower and Next.js export none of the platform's metrics


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.processes
def test_the_alert_rules_are_valid():
    result = run_promtool("check", "rules", str(ALERTS))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules()) + 1} rules found" in result.stdout  # the alerts and one recording


@pytest.mark.processes
def test_the_alert_rules_pass_their_unit_tests():
    result = run_promtool("test", "rules", str(ALERT_TESTS))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.processes
def test_the_scrape_config_and_its_rule_files_are_valid():
    result = run_promtool("check", "config", str(PROMETHEUS_CONFIG))

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_not_firing():
    cases = [case for test in load_yaml(ALERT_TESTS)["tests"] for case in test.get("alert_rule_test", [])]
    alerts = {rule["alert"] for rule in alert_rules()}

    assert {case["alertname"] for case in cases if case["exp_alerts"]} == alerts
    assert {case["alertname"] for case in cases if not case["exp_alerts"]} == alerts


def github_anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_alert_has_a_summary_and_a_runbook_in_the_operations_guide():
    guide = (ROOT / "docs" / "operations.md").read_text()
    anchors = {github_anchor(heading) for heading in re.findall(r"^#+ (.+)$", guide, flags=re.MULTILINE)}

    for rule in alert_rules():
        annotations = rule["annotations"]
        assert annotations["summary"].strip(), rule["alert"]
        assert annotations["runbook"] == f"docs/operations.md#{rule['alert'].lower()}", rule["alert"]
        assert rule["alert"].lower() in anchors, f"docs/operations.md has no section {rule['alert']}"


def test_prometheus_scrapes_every_metrics_port_of_the_procfile():
    scraped = {
        (target_group["labels"]["process"], target)
        for job in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"]
        for target_group in job["static_configs"]
        for target in target_group["targets"]
    }
    expected = set()
    for name, command in procfile().items():
        args = shlex.split(command)
        if "--metrics-port" in args:
            expected.add((name, f"127.0.0.1:{args[args.index('--metrics-port') + 1]}"))
        elif name == "web":
            workers = int(args[args.index("--workers") + 1])
            expected |= {(name, f"127.0.0.1:{port}") for port in WEB_METRICS_PORTS[:workers]}

    assert scraped == expected
    assert set(procfile()) - {process for process, _ in scraped} == WITHOUT_METRICS

"""Prometheus for tests: scraping a process's metrics port, promtool from Debian's package (installed by
scripts/prometheus.sh, as `make test` does), and the metric names a PromQL expression reads."""

import json
import re
import shutil
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.support.paths import ROOT

OPS = ROOT / "ops"
ALERTS = OPS / "prometheus" / "alerts.yml"
ALERT_TESTS = OPS / "prometheus" / "alerts.test.yml"
PROMETHEUS_CONFIG = OPS / "prometheus" / "prometheus.yml"
DASHBOARD = OPS / "grafana" / "todo-platform.json"

Sample = tuple[str, frozenset[tuple[str, str]]]  # name, labels


def scrape(port: int) -> dict[Sample, float]:
    """Every sample a process serves on its metrics port."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Mapping[Sample, float], name: str, **labels: str) -> float:
    """The sum of the samples named `name` that carry these labels (0 when there is none)."""
    wanted = set(labels.items())
    return sum(
        sample
        for (sample_name, sample_labels), sample in samples.items()
        if sample_name == name and wanted <= sample_labels
    )


def present(samples: Mapping[Sample, float], name: str, **labels: str) -> bool:
    wanted = set(labels.items())
    return any(sample_name == name and wanted <= sample_labels for sample_name, sample_labels in samples)


def promtool() -> str:
    """promtool's path; `scripts/prometheus.sh install` (run by `make test`) installs it."""
    path = shutil.which("promtool")
    assert path, (
        "promtool is missing: scripts/prometheus.sh install (make test runs it) installs Debian's package"
    )
    return path


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"] if "alert" in rule]


def recorded_names() -> set[str]:
    """The series the rules record (`todo:...`): Prometheus makes them, no process exports them."""
    return {
        rule["record"] for group in load_yaml(ALERTS)["groups"] for rule in group["rules"] if "record" in rule
    }


def rule_expressions() -> list[str]:
    return [rule["expr"] for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


# Words of PromQL that read like a metric name where they stand (functions and aggregations are recognised
# by the `(` after them).
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or"}
_KEYWORDS |= {"unless", "inf", "nan"}


def metric_names(expression: str) -> set[str]:
    """The metrics a PromQL expression selects, e.g. `rate(x_total{a="b"}[5m])` -> {"x_total"}."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)  # strings
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)  # label lists
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        if text[match.end() :].lstrip().startswith("(") or match.group().lower() in _KEYWORDS:
            continue  # a function or an aggregation, or a keyword
        names.add(match.group())
    return names


def dashboard() -> Any:
    return json.loads(DASHBOARD.read_text())


def dashboard_expressions() -> list[str]:
    """The PromQL of every panel of the dashboard."""
    return [target["expr"] for panel in dashboard()["panels"] for target in panel.get("targets", [])]

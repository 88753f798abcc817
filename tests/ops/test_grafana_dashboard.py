"""The Grafana dashboard (ops/grafana/todo-platform.json): it loads, has its rows, and every panel's PromQL
is valid (promtool, on a rules file with one recording rule per expression). That every metric it reads
is exported by some process is checked where every process is scraped: tests/system/test_metrics.py."""

import json

import pytest

from tests.ops.test_prometheus import run_promtool
from tests.support.prometheus import dashboard, dashboard_expressions, metric_names

ROWS = ["API", "Outbox and relay", "Consumers", "Workers", "Reminders", "Dead letters"]


def test_the_dashboard_has_its_rows_each_with_panels_that_query():
    panels = dashboard()["panels"]
    rows = [panel for panel in panels if panel["type"] == "row"]
    under: dict[str, list[dict]] = {}
    for panel in panels:
        if panel["type"] == "row":
            current = under.setdefault(panel["title"], [])
        else:
            current.append(panel)

    assert [row["title"] for row in rows] == ROWS
    assert all(under[title] for title in ROWS)
    assert all(
        panel["targets"] and all(t["expr"] for t in panel["targets"])
        for title in ROWS
        for panel in under[title]
    )
    assert len({panel["id"] for panel in panels}) == len(panels)
    heatmaps = [panel for panel in under["Reminders"] if panel["type"] == "heatmap"]
    assert [metric_names(t["expr"]) for panel in heatmaps for t in panel["targets"]] == [
        {"reminder_lateness_milliseconds_bucket"}
    ]


@pytest.mark.processes
def test_every_panel_expression_is_valid_promql(tmp_path):
    expressions = dashboard_expressions()
    rules = tmp_path / "dashboard-rules.yml"
    # JSON is YAML: one recording rule per expression, which promtool parses.
    rules.write_text(
        json.dumps(
            {
                "groups": [
                    {
                        "name": "dashboard",
                        "rules": [
                            {"record": f"dashboard:panel_{n}", "expr": expression}
                            for n, expression in enumerate(expressions)
                        ],
                    }
                ]
            }
        )
    )
    broken = tmp_path / "broken.yml"
    broken.write_text(
        json.dumps({"groups": [{"name": "x", "rules": [{"record": "x", "expr": "sum(rate("}]}]})
    )

    result = run_promtool("check", "rules", str(rules))
    refused = run_promtool("check", "rules", str(broken))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(expressions)} rules found" in result.stdout
    assert refused.returncode != 0  # the check is real

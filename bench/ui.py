"""Budgets of the browser UI, measured in Chromium against the whole running system.

Run from the repository root: `.venv/bin/python bench/ui.py [--runs N]` (about 2 minutes; the UI must be
built: `make ui-build`, else this builds it). It prints figures and asserts nothing.

1. Isolation: its own PostgreSQL database `todo_ui_bench` (created when missing, migrated with `manage.py
   migrate`, Better Auth's tables with `npm run migrate:auth`; emptied at the start of each run, schema
   `auth` included), its own topic prefix `bench-ui-<random>.` (topics created with `topics_ensure()`,
   deleted at the end) and its own Celery broker database `redis://127.0.0.1:6379/12` (flushed at start and
   end). DEBUG is off, with throw-away secrets. Plain Python, no pytest: Django is set up for that database
   (`todo_project.settings`), then the test suite's `tests.support.system.System` starts every Procfile
   process but flower (the API, relay, bridges, Celery workers, beat and the built UI) on free ports, exactly
   as the browser tests do, and always stops them. Their logs: .cache/logs/tests/bench-ui-<process>.log.
2. First-load JS of the prerendered pages, gzipped, from the build (`npm run size`: the scripts each page's
   HTML loads).
3. Playwright (Debian's Chromium, `frontend/e2e/budgets.bench.ts`, run with `E2E_BENCH=1`; never part of the
   end-to-end tests) signs a person up, creates 500 tasks through the API as that person, then `--runs`
   times (default 5): opens /tasks?page_size=100 (the UI's largest page: 500 tasks are 5 pages) and takes
   the time from navigation start until the 100 rows are in the DOM and painted; clicks "Next page" (until
   the next 100 rows are painted) and a completion checkbox (until it shows the task completed: the API
   answered and the list was fetched again); the browser's Event Timing duration of those clicks (input to
   the next paint); Largest Contentful Paint of /tasks, a task's page and the signed-out /sign-in. Then the
   JavaScript a cold first load of /tasks and of a task's page fetched (kB over the wire, gzipped by
   `next start`, and decoded; with the chunks Next.js prefetches for links in view). For the list, where
   its time goes: when the HTML, the session (/api/auth/get-session), the API token (/api/auth/token) and
   the tasks (the API through the UI's forwarder) answered, from navigation start.
Figures are printed as min / median / max over the runs, next to the goals: a list of 500 tasks renders and
answers a click within 300 ms; LCP on localhost under 1 s. Everything shares the machine's cores with the
system under test (and whatever else runs): the load average at the start and end is printed.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import redis

# bench/ is on the path of a script run from it
from harness import drop_kafka_state, ensure_database, reset_database, say, stop_on_sigterm, use_environment

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "todo_ui_bench"
BROKER_URL = "redis://127.0.0.1:6379/12"
ARTIFACTS = ROOT / ".cache" / "logs" / "bench-ui"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
GOAL_INTERACTION_MS = 300.0
GOAL_LCP_MS = 1000.0

use_environment(BENCH_DB, topic_prefix="bench-ui-", broker=BROKER_URL)

import django  # noqa: E402 - the environment above decides the database, topics and broker

ensure_database(BENCH_DB)
django.setup()

from tests.support.smtp import SmtpSink  # noqa: E402
from tests.support.system import FRONTEND, System, prepare_auth_schema  # noqa: E402
from workers.kafka.topics import topics_ensure  # noqa: E402
from workers.relay.database import connect  # noqa: E402

# Which figures have a goal, and which.
GOALS: dict[str, tuple[str, float]] = {
    "list: navigation -> 100 of 500 rows painted": ("<=", GOAL_INTERACTION_MS),
    "click 'Next page' -> next 100 rows painted": ("<=", GOAL_INTERACTION_MS),
    "click a checkbox -> shown completed (API answered, list refetched)": ("<=", GOAL_INTERACTION_MS),
    "click: Event Timing duration (input -> next paint)": ("<=", GOAL_INTERACTION_MS),
    "lcp /tasks (100 rows)": ("<", GOAL_LCP_MS),
    "lcp /tasks/{id}": ("<", GOAL_LCP_MS),
    "lcp /sign-in (signed out)": ("<", GOAL_LCP_MS),
}


def ensure_build() -> None:
    if not (FRONTEND / ".next" / "BUILD_ID").exists():
        say("the UI is not built: npm run build")
        subprocess.run(["npm", "run", "--silent", "build"], cwd=FRONTEND, check=True)


def first_load_js() -> None:
    result = subprocess.run(
        ["node", "scripts/first-load-js.mjs", "/tasks", "/tasks/new", "/profile", "/sign-in"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        check=False,
    )
    say("first-load JS of prerendered pages (npm run size; gzip -9 of the build's files):")
    for line in (result.stdout + result.stderr).splitlines():
        say(f"  {line}")


def measure(system: System, runs: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as scratch:
        out = Path(scratch) / "figures.json"
        mail = Path(scratch) / "mail"
        mail.mkdir()
        result = subprocess.run(
            ["npx", "--no-install", "playwright", "test"],
            cwd=FRONTEND,
            env={
                **os.environ,
                "E2E_BENCH": "1",
                "E2E_BENCH_RUNS": str(runs),
                "E2E_BENCH_OUT": str(out),
                "E2E_BASE_URL": system.ui_url,
                "E2E_MAILDIR": str(mail),
                "E2E_ARTIFACTS": str(ARTIFACTS),
                "CHROMIUM_PATH": CHROMIUM,
                "CI": "1",
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0 or not out.exists():
            say(result.stdout + result.stderr)
            raise SystemExit(f"the measurement failed (exit {result.returncode}); see above and {ARTIFACTS}")
        figures: dict[str, list[float]] = json.loads(out.read_text())
        return figures


def report(figures: dict[str, list[float]]) -> None:
    say("figures (min / median / max over the runs; n = samples):")
    width = max(len(name) for name in figures)
    for name, values in figures.items():
        unit = "" if name.startswith("js ") else " ms"
        line = (
            f"  {name:<{width}}  {min(values):8.1f} / {statistics.median(values):8.1f} / "
            f"{max(values):8.1f}{unit}  (n={len(values)})"
        )
        if name in GOALS:
            op, goal = GOALS[name]
            worst = max(values)
            met = worst <= goal if op == "<=" else worst < goal
            line += f"  goal {op} {goal:.0f} ms: {'met' if met else 'MISSED'} by the slowest"
        say(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="measurements of each figure")
    runs: int = parser.parse_args().runs

    stop_on_sigterm()
    started = time.monotonic()
    say(
        f"UI budgets on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at start); "
        f"Chromium {CHROMIUM}; database {BENCH_DB}, topics {os.environ['KAFKA_TOPIC_PREFIX']}*, "
        f"broker {BROKER_URL}"
    )
    ensure_build()
    first_load_js()
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    smtp = SmtpSink().start()
    system: System | None = None
    try:
        with connect(autocommit=True, application_name="bench-ui") as probe:
            reset_database(probe)
        prepare_auth_schema()
        topics_ensure()
        system = System(smtp, prefix="bench-ui")
        system.start()
        say(f"system up after {time.monotonic() - started:.1f} s; UI {system.ui_url}")
        report(measure(system, runs))
        if system.unexpected_exits:
            say(f"processes that exited meanwhile (restarted): {', '.join(system.unexpected_exits)}")
        say(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        if system is not None:
            system.stop()
        smtp.stop()
        try:
            drop_kafka_state()
        finally:
            broker.flushdb()
        say(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

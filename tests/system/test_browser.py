"""The browser UI end to end: Playwright drives Debian's Chromium against the whole running system.

Every Procfile process runs (the API, the live-updates server, relay, bridges, Celery workers, beat and the
built Next.js UI) against the test database, Redis database and Kafka topics, with reminder emails going to an
SMTP server in this process that also writes them into a maildir. `npx playwright test`
(frontend/playwright.config.ts) then runs frontend/e2e/*.spec.ts as people would use the UI:

- auth: sign up, sign out, sign in; a wrong password shows an error; an email signs up once only.
- tasks: a task with tags, priority, a due date and a reminder a few seconds ahead is listed; its reminder
  email arrives (read from the maildir) and the email's link opens the task. A weekly task, completed, gets
  its next occurrence (from the recurrence worker) in the list.
- filters: filters, search and sort change the list and the URL; a bookmarked URL restores them.
- isolation: a second user (another browser context) sees none of the first user's tasks.
- live: two tabs of one person show the task list; a task created through the API, completed in the other
  tab, reopened and deleted through the API appears, changes and disappears in the first tab within seconds,
  with no reload of it (a marker set on its window survives); the other tab, on the task's page, shows it
  deleted.
- profile: the profile's time zone changes how due times are shown.
- assistant: on /assistant, "buy milk tomorrow 5pm #home !high" shows a "created" task card linking to the
  task; "complete report" offers the two report tasks as cards and completes the chosen one; a reloaded page
  reopens the conversation from the list with its history; /tasks shows the tasks as the assistant left them.
- a11y: axe-core finds no serious or critical violations on the sign-in/up, list, editor, task, profile and
  assistant pages.

Full-page screenshots of each page, and screenshots and traces of failures, land in .cache/logs/tests/ui/.
The UI must be built first (`make test` does it; else `cd frontend && npm run build`).
"""

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import LOGS
from tests.support.smtp import SmtpSink
from tests.support.system import FRONTEND, System, prepare_auth_schema

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]

ARTIFACTS = LOGS / "ui"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PLAYWRIGHT_TIMEOUT = 300  # seconds for the whole browser run (about two minutes on two shared cores)
REPORT = ARTIFACTS / "report.json"  # Playwright's JSON report, beside the list reporter's lines
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def system(maildir: Path, django_db_setup: None) -> Iterator[System]:
    if not (FRONTEND / ".next" / "BUILD_ID").exists():
        pytest.fail("the UI is not built: run `make ui-build` (or `cd frontend && npm run build`) first")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `scripts/chromium.sh up` (or set CHROMIUM_PATH)")
    smtp = SmtpSink(maildir=maildir).start()
    running = System(smtp, prefix="browser")
    try:
        prepare_auth_schema()
        running.start()
        yield running
    finally:
        running.stop()
        smtp.stop()


def playwright_env(system: System, maildir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "E2E_BASE_URL": system.ui_url,
        "E2E_MAILDIR": str(maildir),
        "E2E_ARTIFACTS": str(ARTIFACTS),
        "CHROMIUM_PATH": CHROMIUM,
        "PLAYWRIGHT_JSON_OUTPUT_FILE": str(REPORT),
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        "CI": "1",  # no interactive HTML report server
    }


def build_id() -> str:
    return (FRONTEND / ".next" / "BUILD_ID").read_text()


def test_the_ui_end_to_end(system: System, maildir: Path) -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    built = build_id()
    started = time.monotonic()
    result = subprocess.run(
        ["npx", "--no-install", "playwright", "test", "--reporter=list,json"],
        cwd=FRONTEND,
        env=playwright_env(system, maildir),
        capture_output=True,
        text=True,
        timeout=PLAYWRIGHT_TIMEOUT,
        check=False,
    )
    output = result.stdout + result.stderr
    took = time.monotonic() - started
    print(f"\n{output}\nplaywright: exit {result.returncode} after {took:.1f} s; artifacts in {ARTIFACTS}")  # noqa: T201
    # A `next build` while the UI runs replaces the chunks its pages ask for ("This page couldn't load").
    assert build_id() == built, "frontend/.next was rebuilt during the run: run the test again"
    assert not system.unexpected_exits, f"processes exited during the run: {system.unexpected_exits}"
    assert result.returncode == 0, (
        f"Playwright failed (screenshots and traces in {ARTIFACTS}):\n{failures(REPORT) or output[-4000:]}"
    )


def failures(report: Path, lines_each: int = 25) -> str:
    """Each failed attempt's title and the head of its error, from Playwright's JSON report: what the list
    reporter's tail (attachments, the summary) leaves out."""
    if not report.exists():
        return ""
    found: list[str] = []

    def walk(suite: dict[str, Any]) -> None:
        for spec in suite.get("specs", []):
            for test in spec.get("tests", []):
                for attempt in test.get("results", []):
                    if attempt.get("status") in ("passed", "skipped"):
                        continue
                    errors = [ANSI.sub("", error.get("message", "")) for error in attempt.get("errors", [])]
                    head = "\n".join("\n".join(errors).splitlines()[:lines_each])
                    where = f"{spec['file']}:{spec['line']} {spec['title']}"
                    found.append(
                        f"{where} (attempt {attempt.get('retry', 0) + 1}, {attempt.get('status')} after "
                        f"{attempt.get('duration', 0) / 1000:.1f} s):\n{head}"
                    )
        for child in suite.get("suites", []):
            walk(child)

    for suite in json.loads(report.read_text()).get("suites", []):
        walk(suite)
    return "\n\n".join(found)

"""The task list at scale: 1,000,000 tasks of 10,000 users, 4 concurrent clients (issue 17, "API at scale").

Run from the repository root: `.venv/bin/python bench/api_scale.py [--rounds N --seconds N --server S]`
(about 4 minutes with the defaults once seeded; seeding takes about 1 to 2 minutes more; `--server` another
gunicorn set-up of bench/api.py's). It prints figures and asserts nothing. The goal it measures: list,
filtered list and search under 20 ms p99.

1. Its own database `todo_bench_scale` (created when missing and migrated, harness.ensure_database). When
   it does not hold exactly the seed, it is emptied and seeded through COPY (deterministic): 10,000 users
   with between 0 and a few thousand tasks each (log-normal, median about 60: most users have a few dozen,
   some have thousands), 1,000,000 tasks in creation order over two years, so a user's rows lie scattered
   over the table as they would; plus one user with no tasks. Titles and descriptions are words of a
   vocabulary (Zipf-distributed), 0-3 tags, priorities (low 30%, medium 50%, high 20%), ~30% completed,
   ~20% without a due date and the others spread around their creation. Then VACUUM ANALYZE. A re-run
   finds the seed and skips it; the benchmark itself writes nothing.
2. Starts gunicorn `todo_project.wsgi` with the Procfile's settings (its gunicorn worker set-up; DEBUG
   off, without the access log) on a free port and always stops it (harness.Process); the same for
   bench/api_floor.py. Their logs: .cache/logs/bench-api-scale-gunicorn-{ours,floor}.log.
3. Rounds (3 by default): each round runs every scenario for `--seconds` with 4 closed-loop clients
   (keep-alive connections, bench/api.py's client; a random one of the 10,000 users per request):
   - floor: the list of the user with no tasks, the same path without the work the goal is about (JWT,
     the count, an empty page); the bound measured in the same run;
   - list: `GET /tasks` (50 per page, newest first: the default sort);
   - filtered: `?tag=work&priority=high&completed=false` (default sort);
   - search: `?search=invoice` (a word in about 3% of the tasks);
   - search by cursor: `/tasks/cursor?search=invoice`, its first page (no count);
   - typed: a search of a word of the vocabulary, in a random mix of cases for each request (a text the
     server has mostly not seen before: each would compile a statement if its text were not bound);
   - bare: the list scenario served by bench/api_floor.py (no Django: the same JWT check, user sync, SQL
     and JSON bytes) under the same gunicorn set-up, a second server started beside the first: what the
     route costs on these cores without a framework, the bound of the goal.
   Per scenario and round: requests, errors (non-2xx or transport failures), requests/s, p50/p99/max, and
   where the machine's CPU went (harness.cpu_use); then each scenario's range over the rounds.
4. The SQL each request runs, captured from a real request (Django's test client in this process against
   the same database, CaptureQueriesContext) of a typical user (the median number of tasks): the page, which
   carries the list's count as a subquery (workers/http/serializers.py, CountingPaginator). With the server
   stopped, the database's share of a request: its statements timed for 2,000 random users (the user's id
   put in the captured SQL), p50/p99/max. Then `EXPLAIN (ANALYZE, BUFFERS)` of each, in full for the
   typical user, the plan's scans and timing for the heaviest one.
5. A deep page: the heaviest user's default list after its first 2,000 rows, asked by its number (OFFSET
   and the count) and by cursor (the `next` links followed there), each timed 2,000 times on the database
   alone, with its plan.
"""

import argparse
import math
import os
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import api  # bench/api.py: the load's client, tokens, request and result types
import psycopg
from harness import (
    ROOT,
    CpuUse,
    Process,
    cpu_snapshot,
    cpu_use,
    ensure_database,
    free_port,
    percentile,
    say,
    stop_on_sigterm,
    use_environment,
)

BENCH_DB = "todo_bench_scale"
BENCH_DSN = f"postgresql://todo:todo@127.0.0.1:5432/{BENCH_DB}"
LOGS = ROOT / ".cache" / "logs"

USERS = 10_000
TASKS = 1_000_000
USER_PREFIX = api.USER_PREFIX  # api.mint_tokens' claims (email, name) match the seeded rows
EMPTY_USER = f"{USER_PREFIX}empty"
SEED = 2026
SEED_FROM = datetime(2024, 1, 1, tzinfo=UTC)
SEED_SPAN = timedelta(days=730)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo")
TAGS = ("work", "home", "errands", "health", "finance", "urgent", "family", "shopping", "study", "travel")
TAG_WEIGHTS = (30, 22, 12, 9, 8, 6, 5, 4, 2, 2)
VERBS = (
    "call", "email", "buy", "pay", "fix", "book", "review", "write", "clean", "plan", "send", "check",
    "prepare", "schedule", "cancel", "renew", "update", "order", "return", "finish", "read", "submit",
)  # fmt: skip
WORDS = (
    "the", "for", "and", "with", "about", "before", "after", "from", "meeting", "report", "team", "project",
    "doctor", "car", "kitchen", "groceries", "tickets", "dentist", "budget", "slides", "client", "garden",
    "laundry", "mom", "dad", "school", "presentation", "flight", "hotel", "insurance", "taxes", "bank",
    "rent", "bills", "gym", "birthday", "gift", "party", "dinner", "lunch", "office", "printer", "laptop",
    "phone", "contract", "proposal", "notes", "agenda", "minutes", "review", "draft", "release", "deploy",
    "server", "backup", "password", "account", "subscription", "library", "books", "homework", "exam",
    "course", "lecture", "thesis", "paper", "deadline", "landlord", "plumber", "electrician", "repair",
    "windows", "roof", "paint", "furniture", "sofa", "table", "chairs", "bike", "tires", "oil", "service",
    "appointment", "pharmacy", "prescription", "vitamins", "vet", "dog", "cat", "food", "water", "plants",
    "invoice", "receipt", "expenses", "refund", "warranty", "package", "delivery", "post", "letter",
    "passport", "visa", "license", "registration", "form", "application", "interview", "resume", "salary",
    "pension", "savings", "loan", "mortgage", "estimate", "quote", "supplier", "inventory", "shipment",
    "customer", "feedback", "survey", "newsletter", "website", "blog", "photos", "album", "music", "concert",
    "museum", "trip", "beach", "mountains", "camping", "tent", "backpack", "shoes", "jacket", "umbrella",
)  # fmt: skip
SEARCH_WORD = "invoice"
FILTER_QUERY = "tag=work&priority=high&completed=false"
TASK_COLUMNS = (
    "user_id, title, description, completed, completed_at, priority, tags, due_date, timezone, "
    "created_at, updated_at, reminder_sent"
)

CLIENTS = 4
HEALTH_DEADLINE_SECONDS = 30.0
MAX_REQUESTS = 1_000_000  # per scenario and round: the time ends it
GOAL_P99_MS = 20.0
PAGE_SIZE = 50
DB_SAMPLE = 2_000  # users whose queries are timed on the database alone
PAGE_COUNT = "page_list_total"  # the column of a page's count (CountingPaginator.TOTAL): the page form
DEEP_ROWS = 2_000  # a deep page starts after this many of the heaviest user's rows


# --- the seed ---------------------------------------------------------------------------------------------


def user_ids() -> list[str]:
    return [f"{USER_PREFIX}{number:05d}" for number in range(USERS)]


def is_seeded(conn: psycopg.Connection[Any]) -> bool:
    users = conn.execute("SELECT count(*) FROM users WHERE id LIKE %s", [f"{USER_PREFIX}%"]).fetchone()
    tasks = conn.execute("SELECT count(*) FROM tasks").fetchone()
    return users == (USERS + 1,) and tasks == (TASKS,)


def words(rng: random.Random, cumulative: list[float], count: int) -> list[str]:
    return rng.choices(WORDS, cum_weights=cumulative, k=count)


def seed_rows(rng: random.Random) -> Iterator[tuple[object, ...]]:
    """TASKS rows in TASK_COLUMNS order and in creation order, each of a user drawn by weight."""
    users = user_ids()
    user_weights = [rng.lognormvariate(0.0, 1.0) for _ in users]
    user_cumulative = list(_accumulate(user_weights))
    word_cumulative = list(_accumulate([1.0 / rank for rank in range(1, len(WORDS) + 1)]))
    tag_cumulative = list(_accumulate([float(weight) for weight in TAG_WEIGHTS]))
    step = SEED_SPAN / TASKS
    for number in range(TASKS):
        (user_id,) = rng.choices(users, cum_weights=user_cumulative)
        created_at = SEED_FROM + step * number
        title = " ".join([rng.choice(VERBS), *words(rng, word_cumulative, rng.randint(1, 4))]).capitalize()
        description = (
            "" if rng.random() < 0.3 else " ".join(words(rng, word_cumulative, rng.randint(4, 40))) + "."
        )
        completed = rng.random() < 0.3
        completed_at = created_at + timedelta(hours=rng.randint(1, 24 * 14)) if completed else None
        due_date = None if rng.random() < 0.2 else created_at + timedelta(hours=rng.randint(-24, 24 * 60))
        tags = sorted(set(rng.choices(TAGS, cum_weights=tag_cumulative, k=rng.choice((0, 1, 1, 2, 2, 3)))))
        priority = rng.choices(("low", "medium", "high"), weights=(30, 50, 20))[0]
        zone = ZONES[int(user_id[-2:]) % len(ZONES)]
        updated_at = completed_at or created_at
        yield (user_id, title, description, completed, completed_at, priority, tags, due_date, zone,
               created_at, updated_at, False)  # fmt: skip


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def seed(conn: psycopg.Connection[Any]) -> None:
    """Replace what the database holds with the seed. COPY ... FREEZE: the rows are written frozen (the
    table was truncated in the same transaction), so nothing rewrites them later to set hint bits."""
    rng = random.Random(SEED)
    with conn.transaction():
        conn.execute("TRUNCATE users, tasks, idempotency_keys, outbox_events CASCADE")
        with conn.cursor().copy(
            "COPY users (id, email, name, timezone, created_at, updated_at) FROM STDIN"
        ) as copy:
            for number, user_id in enumerate([*user_ids(), EMPTY_USER]):
                zone = ZONES[number % len(ZONES)]
                copy.write_row((user_id, api.user_email(user_id), api.user_name(user_id), zone,
                                SEED_FROM, SEED_FROM))  # fmt: skip
        with conn.cursor().copy(f"COPY tasks ({TASK_COLUMNS}) FROM STDIN (FREEZE)") as copy:
            for row in seed_rows(rng):
                copy.write_row(row)
    conn.execute("VACUUM (ANALYZE) users, tasks")


def prepare_database() -> str:
    """Create and migrate the database when needed, seed it when it does not hold the seed."""
    ensure_database(BENCH_DB)
    with psycopg.connect(BENCH_DSN, autocommit=True) as conn:
        if is_seeded(conn):
            return "seed found, not re-seeded"
        started = time.perf_counter()
        seed(conn)
        return f"seeded in {time.perf_counter() - started:.0f} s (COPY, then VACUUM ANALYZE)"


@dataclass(frozen=True)
class Subjects:
    typical: tuple[str, int]  # (user, tasks): the median number of tasks
    heaviest: tuple[str, int]
    quartiles: tuple[int, int, int, int]  # tasks per user: p25, p50, p75, p99
    search_share: float  # of all tasks, matching the search


def subjects() -> Subjects:
    with psycopg.connect(BENCH_DSN) as conn:
        counts = conn.execute(
            "SELECT u.id, count(t.id) FROM users u LEFT JOIN tasks t ON t.user_id = u.id"
            " WHERE u.id <> %s GROUP BY u.id ORDER BY 2, 1",
            [EMPTY_USER],
        ).fetchall()
        matching = conn.execute(
            "SELECT count(*) FROM tasks WHERE title ILIKE %s OR description ILIKE %s",
            [f"%{SEARCH_WORD}%"] * 2,
        ).fetchone()
    ordered = [(str(user), int(count)) for user, count in counts]

    def at(fraction: float) -> int:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))][1]

    return Subjects(
        typical=ordered[len(ordered) // 2],
        heaviest=ordered[-1],
        quartiles=(at(0.25), at(0.5), at(0.75), at(0.99)),
        search_share=(matching[0] if matching else 0) / TASKS,
    )


# --- the server and the load ------------------------------------------------------------------------------


@contextmanager
def running_server(config: api.ServerConfig, target: api.Target = api.OURS) -> Iterator[api.Server]:
    """gunicorn as the Procfile's `web` (its worker set-up unless `--server` says another) serving `target`
    on a free port; stopped whatever happens."""
    port = free_port()
    command = [
        str(api.BIN / "gunicorn"),
        *target.app_args,
        "--bind",
        f"127.0.0.1:{port}",
        *config.args,
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    process = Process(f"bench-api-scale-gunicorn-{target.label}", command, logs=LOGS)
    try:
        process.wait_until(lambda: api.live(port), "/health/live answering", timeout=HEALTH_DEADLINE_SECONDS)
        yield api.Server(process, port)
    finally:
        process.stop()


def bench_backends() -> set[int]:
    with psycopg.connect(BENCH_DSN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [BENCH_DB]
        ).fetchall()
    return {int(pid) for (pid,) in rows}


def run_load(server: api.Server, scenario: api.Scenario, seed: int) -> tuple[api.LoadResult, CpuUse]:
    """CLIENTS closed-loop clients (bench/api.py's `client`) for the scenario's time."""
    roles = {server.pid: "gunicorn", os.getpid(): "load generator"}
    before = cpu_snapshot(roles, bench_backends())
    budget = api.Budget(scenario.max_requests)
    results = [api.LoadResult() for _ in range(CLIENTS)]
    started = time.perf_counter()
    deadline = started + scenario.seconds
    threads = [
        threading.Thread(
            target=api.client,
            args=(server.port, scenario, budget, deadline, seed * 100 + number, result),
            daemon=True,
        )
        for number, result in enumerate(results)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = api.LoadResult(seconds=time.perf_counter() - started)
    cpu = cpu_use(before, cpu_snapshot(roles, bench_backends()))
    for result in results:
        total.latencies.extend(result.latencies)
        total.failures.update(result.failures)
        total.statuses.update(result.statuses)
    return total, cpu


def scenarios(tokens: dict[str, str], seconds: float) -> list[api.Scenario]:
    users = {user: token for user, token in tokens.items() if user != EMPTY_USER}
    empty = {EMPTY_USER: tokens[EMPTY_USER]}
    return [
        api.Scenario("floor    GET /tasks, user with none", api.list_maker(empty, ""), seconds, MAX_REQUESTS),
        api.Scenario("list     GET /tasks", api.list_maker(users, ""), seconds, MAX_REQUESTS),
        api.Scenario(f"filtered ?{FILTER_QUERY}", api.list_maker(users, FILTER_QUERY), seconds, MAX_REQUESTS),
        api.Scenario(
            f"search   ?search={SEARCH_WORD}",
            api.list_maker(users, f"search={SEARCH_WORD}"),
            seconds,
            MAX_REQUESTS,
        ),
        api.Scenario(
            "cursor   search, /tasks/cursor",
            api.list_maker(users, f"search={SEARCH_WORD}", route="tasks/cursor"),
            seconds,
            MAX_REQUESTS,
        ),
        api.Scenario(
            "typed    ?search=<a new text each request>", api.list_maker(users, typed), seconds, MAX_REQUESTS
        ),
    ]


def typed(rng: random.Random) -> str:
    """A search as users type them: a word of the vocabulary in a random mix of cases, so that nearly every
    request searches a text no request did before, and finds what the word finds (the search ignores case)."""
    word = rng.choice(WORDS)
    return "search=" + "".join(letter.upper() if rng.random() < 0.5 else letter for letter in word)


def bare_scenario(tokens: dict[str, str], seconds: float) -> api.Scenario:
    """The list scenario, for the same list without Django (bench/api_floor.py: the same JWT check, user
    sync, SQL and JSON bytes) under the same gunicorn set-up and clients: what the route costs on this
    machine without a framework, the bound of the goal."""
    users = {user: token for user, token in tokens.items() if user != EMPTY_USER}
    return api.Scenario("bare     GET /tasks, no framework", api.list_maker(users, ""), seconds, MAX_REQUESTS)


def cpu_per_request(result: api.LoadResult, cpu: CpuUse) -> tuple[float, float]:
    """CPU ms per request of gunicorn (master and workers) and of the bench database's backends."""
    server = cpu.by_category.get("gunicorn", 0.0) + cpu.by_category.get("gunicorn (pool)", 0.0)
    postgres = cpu.by_category.get("postgres (bench db backends)", 0.0)
    requests = max(result.requests, 1)
    return 1000 * server / requests, 1000 * postgres / requests


SUMMARY_HEADER = (
    f"{'scenario':<38}{'req/s':>10}{'p50 ms':>12}{'p99 ms':>12}{'max ms':>14}{'errors':>7}"
    f"{'gunicorn ms/req':>16}{'pg ms/req':>12}"
)


def summary_row(name: str, runs: list[tuple[api.LoadResult, CpuUse]]) -> str:
    def span(values: list[float], digits: int) -> str:
        return f"{min(values):.{digits}f}-{max(values):.{digits}f}"

    results = [result for result, _ in runs]
    p50s = [api.percentile_ms(result.latencies, 50) for result in results]
    p99s = [api.percentile_ms(result.latencies, 99) for result in results]
    peaks = [max(result.latencies, default=math.nan) * 1000 for result in results]
    rates = [result.rate for result in results]
    errors = sum(result.errors for result in results)
    server, postgres = zip(*(cpu_per_request(result, cpu) for result, cpu in runs), strict=True)
    figures = f"{span(rates, 0):>10}{span(p50s, 1):>12}{span(p99s, 1):>12}{span(peaks, 1):>14}{errors:>7}"
    return f"{name:<38}{figures}{span(list(server), 1):>16}{span(list(postgres), 2):>12}"


# --- the plans --------------------------------------------------------------------------------------------


@contextmanager
def in_process_client(user_id: str) -> Iterator[Any]:
    """A function GETting a path (`tasks?...`, relative to `/api/{user_id}/`, or a link a page gave) through
    the whole Django stack (middleware, JWT, view, paginator) in this process, against the bench database;
    it returns the response's JSON and the SQL on `tasks` the request ran."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    token = api.mint_tokens([user_id])[user_id]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_HOST": "127.0.0.1"}
    client.get(f"/api/{user_id}/profile", **headers)  # type: ignore[arg-type]  # syncs the user

    def get(path: str) -> tuple[Any, list[str]]:
        if not path.startswith("http"):
            path = f"/api/{user_id}/{path}"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, **headers)  # type: ignore[arg-type]
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.content[:200]!r}")
        return response.json(), [
            sql["sql"] for sql in captured.captured_queries if 'FROM "tasks"' in sql["sql"]
        ]

    try:
        yield get
    finally:
        connection.close()


def captured_sql(user_id: str, queries: dict[str, str]) -> dict[str, list[str]]:
    """The SQL on `tasks` that one request of each scenario (a path relative to `/api/{user_id}/`) runs."""
    with in_process_client(user_id) as get:
        return {name: get(path)[1] for name, path in queries.items()}


def deep_page_sql(user_id: str, rows_before: int) -> dict[str, list[str]]:
    """The SQL of the default list's page after its first `rows_before` rows, in the page form (its number)
    and by cursor (the `next` links followed there, 100 rows a page, then a page of 50)."""
    with in_process_client(user_id) as get:
        by_number = get(f"tasks?page={rows_before // PAGE_SIZE + 1}")[1]
        page, _ = get("tasks/cursor?page_size=100")
        for _ in range(rows_before // 100 - 1):
            page, _ = get(page["next"])
        by_cursor = get(page["next"].replace("page_size=100", f"page_size={PAGE_SIZE}"))[1]
    return {f"list, page {rows_before // PAGE_SIZE + 1}": by_number, "list by cursor, same rows": by_cursor}


def explain(sql: str) -> list[str]:
    with psycopg.connect(BENCH_DSN) as conn:
        conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").fetchall()  # warm, as under the load
        return [str(row[0]) for row in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").fetchall()]


def say_plans(label: str, user: tuple[str, int], captured: dict[str, list[str]], captured_for: str, *,
              full: bool) -> None:  # fmt: skip
    say(f"\n{label}: {user[0]} ({user[1]:,} tasks)")
    for name, statements in captured.items():
        for sql in (for_user(sql, captured_for, user[0]) for sql in statements):
            kind = "page and its count" if PAGE_COUNT in sql else "page, no count"
            plan = explain(sql)
            seq = any("Seq Scan on tasks" in line for line in plan)
            say(f"-- {name}, {kind}{': SEQUENTIAL SCAN' if seq else ''}")
            if full:
                say(f"   {sql}")
            for line in plan:
                if full or "Scan" in line or "Execution Time" in line:
                    say(f"   {line}")


def for_user(sql: str, captured_for: str, user_id: str) -> str:
    """The captured SQL of one user as another user's request would run it (the page form's LIMIT is the
    paginator's min(50, count): 50 stands for it, a LIMIT past the rows changes nothing; by cursor it is
    always 51, the page and whether there is more)."""
    sql = sql.replace(f"'{captured_for}'", f"'{user_id}'")
    return re.sub(r"LIMIT \d+$", f"LIMIT {PAGE_SIZE}", sql) if PAGE_COUNT in sql else sql


def database_times(statements: list[str], captured_for: str, users: list[str]) -> list[float]:
    """Milliseconds per request spent on the database (each statement sent and its rows read, one after
    the other on one connection, as a request's thread does), for each of `users`."""
    times: list[float] = []
    with psycopg.connect(BENCH_DSN, autocommit=True) as conn:
        for user_id in users:
            started = time.perf_counter()
            for sql in statements:
                conn.execute(for_user(sql, captured_for, user_id)).fetchall()
            times.append(1000 * (time.perf_counter() - started))
    return times


def index_sizes() -> list[str]:
    with psycopg.connect(BENCH_DSN) as conn:
        rows = conn.execute(
            "SELECT indexrelid::regclass::text, pg_size_pretty(pg_relation_size(indexrelid))"
            " FROM pg_index WHERE indrelid = 'tasks'::regclass ORDER BY 1"
        ).fetchall()
        table = conn.execute("SELECT pg_size_pretty(pg_table_size('tasks'))").fetchone()
    return [f"table {table[0] if table else '?'}", *(f"{name} {size}" for name, size in rows)]


# --- main -------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all the scenarios (default 3)")
    parser.add_argument("--seconds", type=float, default=12.0, help="each scenario, each round (default 12)")
    parser.add_argument(
        "--server",
        choices=[config.label for config in api.SERVER_CONFIGS],
        default=api.PREFERRED_SERVER.label,
        help="the gunicorn worker set-up (default: the Procfile's)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    stop_on_sigterm()
    started = time.perf_counter()
    use_environment(
        BENCH_DB,
        topic_prefix="bench-scale-",
        broker="redis://127.0.0.1:6379/15",  # nothing here enqueues; the settings want one
        BETTER_AUTH_SECRET=api.AUTH_SECRET,  # api.mint_tokens signs with it
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    say(f"machine: {os.cpu_count()} cores, load average {load} at start")
    note = prepare_database()
    found = subjects()
    p25, p50, p75, p99 = found.quartiles
    say(
        f"database: {BENCH_DB}, {USERS:,} users (+1 with no tasks), {TASKS:,} tasks ({note}); tasks per user:"
        f" p25 {p25}, median {p50}, p75 {p75}, p99 {p99}, max {found.heaviest[1]:,};"
        f" '{SEARCH_WORD}' in {100 * found.search_share:.1f}% of the tasks"
    )
    say("sizes: " + ", ".join(index_sizes()))
    tokens = api.mint_tokens([*user_ids(), EMPTY_USER])
    plan = scenarios(tokens, args.seconds)
    config = next(config for config in api.SERVER_CONFIGS if config.label == args.server)
    results: dict[str, list[tuple[api.LoadResult, CpuUse]]] = {scenario.name: [] for scenario in plan}
    origin = " (the Procfile's)" if config == api.PREFERRED_SERVER else ""
    say(
        f"server: gunicorn todo_project.wsgi {' '.join(config.args)}{origin}, DEBUG off (and beside it,"
        f" alike, bench/api_floor.py for the bare scenario); load: {CLIENTS} closed-loop clients,"
        f" {args.seconds:g} s per scenario and round"
    )
    bare = bare_scenario(tokens, args.seconds)
    results[bare.name] = []
    with running_server(config) as server, running_server(config, api.FLOOR) as bare_server:
        api.warm_up(server, tokens, 3.0)
        api.warm_up(bare_server, tokens, 3.0)
        for number in range(1, args.rounds + 1):
            say(f"\nround {number}\n{api.HEADER}")
            for target, scenario in [*((server, scenario) for scenario in plan), (bare_server, bare)]:
                result, cpu = run_load(target, scenario, number)
                results[scenario.name].append((result, cpu))
                say(api.row(scenario.name, result))
                if result.errors:
                    say(api.error_detail(result))
                server_ms, postgres_ms = cpu_per_request(result, cpu)
                say(f"    {cpu.report()}")
                say(f"    CPU per request: gunicorn {server_ms:.1f} ms, db backends {postgres_ms:.2f} ms")
        problems = server.problems() + bare_server.problems()
    say(f"\nover {args.rounds} rounds (min-max of the rounds' figures; CPU per request):")
    say(SUMMARY_HEADER)
    for name, runs in results.items():
        say(summary_row(name, runs))

    def worst_p99(name: str) -> float:
        return max(api.percentile_ms(result.latencies, 99) for result, _ in results[name])

    floor, bare_p99 = worst_p99(plan[0].name), worst_p99(bare.name)
    for scenario in plan[1:]:
        worst = worst_p99(scenario.name)
        verdict = "met in every round" if worst < GOAL_P99_MS else "NOT met"
        say(
            f"goal p99 < {GOAL_P99_MS:g} ms, {scenario.name.split()[0]}: {verdict} (worst round's p99"
            f" {worst:.1f} ms; the floor's {floor:.1f} ms; the list without a framework {bare_p99:.1f} ms)"
        )
    say(f"server logs: {len(problems)} error lines" + (f"; first: {problems[0]}" if problems else ""))

    queries = {
        "list": "tasks",
        "filtered": f"tasks?{FILTER_QUERY}",
        "search": f"tasks?search={SEARCH_WORD}",
        "search by cursor": f"tasks/cursor?search={SEARCH_WORD}",
    }
    typical = found.typical[0]
    captured = captured_sql(typical, queries)
    sample = random.Random(SEED).sample(user_ids(), DB_SAMPLE)
    say(
        f"\ndatabase time per request (its statements on tasks, run one after the other over one"
        f" connection with the server stopped) for {DB_SAMPLE:,} random users:"
    )
    for name, statements in captured.items():
        times = database_times(statements, typical, sample)
        say(
            f"  {name:<9} p50 {percentile(times, 0.5):.2f}, p99 {percentile(times, 0.99):.2f},"
            f" max {max(times):.2f} ms"
        )
    say_plans("plans, typical user", found.typical, captured, typical, full=True)
    say_plans("plans, heaviest user (scans and time)", found.heaviest, captured, typical, full=False)
    heaviest = found.heaviest[0]
    deep = deep_page_sql(heaviest, DEEP_ROWS)
    say(f"\ndatabase time of a deep page, the heaviest user, {DB_SAMPLE:,} times:")
    for name, statements in deep.items():
        times = database_times(statements, heaviest, [heaviest] * DB_SAMPLE)
        say(f"  {name:<26} p50 {percentile(times, 0.5):.2f}, p99 {percentile(times, 0.99):.2f} ms")
    say_plans("plans, a deep page of the heaviest user", found.heaviest, deep, heaviest, full=True)
    say(f"\ntotal run time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

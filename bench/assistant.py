"""Latency and CPU of a quick add through the assistant (`POST /api/{user_id}/chat`, the built-in grammar),
next to its bound measured in the same run: the same task created through the task API (`POST /tasks`).

Run from the repository root: `.venv/bin/python bench/assistant.py [--clients N]`. It prints figures and
asserts nothing.

It reuses bench/api.py's database (`todo_bench`, 1,000 seeded users), server set-up (gunicorn as the Procfile
runs it, DEBUG off) and load generator. One server serves rounds A B B A of the two operations, so drift on
a shared machine hits both alike: closed-loop clients (4 by default, as people typing) each send quick adds
drawn from a set of phrases (a due date, a time, tags, a priority, a recurrence, a reminder), or the same
fields as JSON to the task API. It prints requests, errors, requests/s, p50/p99 latency and gunicorn's CPU
ms per request of each, then what the assistant adds to a create.
"""

import argparse
import json
import random
import time

import api as api_bench
import psycopg
from api import (
    BENCH_DSN,
    CREATED_TITLE_PREFIX,
    PREFERRED_SERVER,
    CpuMeter,
    LoadResult,
    Request,
    RequestMaker,
    Scenario,
    count_rows,
    merged,
    mint_tokens,
    percentile_ms,
    prepare_database,
    run_load,
    running_server,
    server_ms,
    user_ids,
    warm_up,
)

SECONDS = 8.0  # per operation per round
PHRASES = (
    "{title} tomorrow 5pm #work !high",
    "{title} every weekday at 9:30",
    "{title} next friday, remind me 1 hour before #home",
    "{title} every month on the last day, remind me a day before",
    "{title} in 3 days urgent #errands",
    "{title} on 14 March at 14:30",
)


def chat_maker(tokens: dict[str, str]) -> RequestMaker:
    users = list(tokens)

    def make(rng: random.Random) -> Request:
        user_id = rng.choice(users)
        title = f"{CREATED_TITLE_PREFIX}{rng.randrange(10**9)}"
        body = {"message": rng.choice(PHRASES).format(title=title)}
        return Request("POST", f"/api/{user_id}/chat", tokens[user_id], json.dumps(body).encode())

    return make


def forget_conversations() -> None:
    """Earlier runs' conversations (the bench database's only ones)."""
    with psycopg.connect(BENCH_DSN, autocommit=True) as conn:
        conn.execute("DELETE FROM assistant_messages")
        conn.execute("DELETE FROM assistant_conversations")


def line(name: str, result: LoadResult) -> str:
    p50, p99 = percentile_ms(result.latencies, 50), percentile_ms(result.latencies, 99)
    return (
        f"{name:<28}{result.requests:>9}{result.errors:>7}{result.rate:>8.1f}{p50:>8.1f}{p99:>8.1f}"
        f"{server_ms(result):>15.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4, help="closed-loop clients (default 4)")
    args = parser.parse_args()
    api_bench.CONCURRENCY = args.clients
    note = prepare_database()
    forget_conversations()
    tokens = mint_tokens(user_ids())
    print(f"database: todo_bench ({note}); server: gunicorn {' '.join(PREFERRED_SERVER.args)}, DEBUG off")
    print(
        f"load: {args.clients} closed-loop clients, rounds A B B A of {SECONDS:g} s each "
        f"(A: the task API's create, B: a quick add through the assistant)"
    )
    scenarios = {
        "task API create": Scenario(
            "task API create",
            # A comparable task: a due date, a tag, a priority and a reminder.
            api_bench.create_maker(
                tokens, priority="high", tags=["work"], reminders=[{"before_due": "PT1H"}]
            ),
            SECONDS,
            1_000_000,
        ),
        "assistant quick add": Scenario("assistant quick add", chat_maker(tokens), SECONDS, 1_000_000),
    }
    results: dict[str, list[LoadResult]] = {name: [] for name in scenarios}
    started = time.perf_counter()
    with running_server(PREFERRED_SERVER) as server:
        meter = CpuMeter(server.pid)
        try:
            warm_up(server, tokens, 2.0)
            run_load(server, Scenario("warm-up chat", chat_maker(tokens), 2.0, 1_000_000))
            for name in ("task API create", "assistant quick add", "assistant quick add", "task API create"):
                result = run_load(server, scenarios[name], meter)
                results[name].append(result)
                print(f"  round {name:<22} {result.rate:7.1f} req/s, CPU {server_ms(result):6.2f} ms/req")
        finally:
            meter.close()
        problems = server.problems()
    print()
    print(f"{'operation':<28}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}", end="")
    print(f"{'CPU ms/req':>15}")
    totals = {name: merged(runs) for name, runs in results.items()}
    for name, total in totals.items():
        print(line(name, total))
    chat, create = totals["assistant quick add"], totals["task API create"]
    extra_p50 = percentile_ms(chat.latencies, 50) - percentile_ms(create.latencies, 50)
    print(
        f"the assistant's quick add costs {server_ms(chat) / server_ms(create):.2f}x the task API's create "
        f"in server CPU, p50 {extra_p50:+.1f} ms"
    )
    replies = count_rows("SELECT count(*) FROM assistant_messages WHERE role = 'assistant'", [])
    created = count_rows(
        "SELECT count(*) FROM assistant_messages WHERE role = 'assistant' AND actions @> %s::jsonb",
        ['[{"action": "created"}]'],
    )
    print(
        f"check: {chat.ok} quick adds answered 2xx (and the warm-up's) -> {replies} replies kept, {created} "
        f"of them with a task created; server log error lines: {len(problems)}; "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()

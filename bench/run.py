"""The benchmark suite: the store API and the webhook engine against their ceiling.

    make bench          # PostgreSQL: full data, Tjar beside the baseline
    make bench-quick    # SQLite: small data, Tjar alone, a few minutes
    python -m bench.run --quick --dry-run   # one request of each; no load

``make bench`` seeds (or reuses) the data, starts ``tjar serve`` and the
baseline (``bench/baseline.py``), checks that both answer the same bytes,
drives them in turn with wrk, measures webhook delivery with one worker,
then prints the results and writes them into docs/performance.md.
"""

import argparse
import asyncio
import os
import platform
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from bench import webhooks
from bench.database import (
    SECRET,
    asyncpg_dsn,
    bench_url,
    beside,
    ensure_postgres_database,
    prepare,
)
from bench.load import (
    ROOT,
    Run,
    Server,
    baseline_server,
    drive,
    ensure_wrk,
    median_run,
    memory_mb,
    tjar_server,
)
from bench.seed import FULL, QUICK, SMOKE, Plan, api_key
from tjar import __version__
from tjar.domain.orders import ORDER_SORTS
from tjar.domain.paging import encode_cursor

REPORT = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
QUICK_URL = f"sqlite+aiosqlite:///{ROOT / 'var' / 'bench-quick.db'}"
SMOKE_URL = f"sqlite+aiosqlite:///{ROOT / 'var' / 'bench-smoke.db'}"
PREFIX = "/api/core/v1"
HOST = "big.localhost"


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    path: str
    kind: str = "get"


@dataclass
class Settings:
    url: str
    plan: Plan
    workers: int
    seconds: int
    rounds: int
    connections: int
    webhook_events: int
    webhook_checkpoints: tuple[int, ...]
    baseline: bool
    command: str
    extra: dict[str, Any] = field(default_factory=dict)


def headers(language: str = "en") -> dict[str, str]:
    return {
        "Host": HOST,
        "Authorization": f"Bearer {api_key(1)}",
        "Accept-Language": language,
    }


async def deep_cursor(url: str, depth: int) -> tuple[str, int]:
    """Return the cursor ``depth`` orders into the big store, and its orders."""
    if url.startswith("sqlite"):
        import aiosqlite

        async with aiosqlite.connect(url.split("///", 1)[1]) as db:
            counted = await db.execute("SELECT count(*) FROM orders WHERE store_id = 1")
            (total,) = await counted.fetchone() or (0,)
            cursor = await db.execute(
                "SELECT created_at, id FROM orders WHERE store_id = 1 "
                "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?",
                (depth,),
            )
            found = await cursor.fetchone()
            assert found is not None
            at = datetime.fromisoformat(found[0]).replace(tzinfo=UTC)
            row = {"created_at": at, "id": found[1]}
    else:
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            total = await connection.fetchval(
                "SELECT count(*) FROM orders WHERE store_id = 1"
            )
            record = await connection.fetchrow(
                "SELECT created_at, id FROM orders WHERE store_id = 1 "
                "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $1",
                depth,
            )
            assert record is not None
            row = dict(record)
        finally:
            await connection.close()

    class Row:
        created_at = row["created_at"]
        id = row["id"]

    return encode_cursor(ORDER_SORTS["-created_at"], Row), total


def scenarios(plan: Plan, cursor: str) -> list[Scenario]:
    return [
        Scenario("orders", "`GET /orders?per_page=20`", f"{PREFIX}/orders?per_page=20"),
        Scenario(
            "deep",
            f"`GET /orders?per_page=20&cursor=…` ({plan.big_orders * 5 // 6:,} "
            "orders in)",
            f"{PREFIX}/orders?per_page=20&cursor={cursor}",
        ),
        Scenario(
            "order",
            "`GET /orders/{identifier}`",
            f"{PREFIX}/orders/{plan.big_orders // 2}",
        ),
        Scenario(
            "products",
            "`GET /products?per_page=20&search=linen`",
            f"{PREFIX}/products?per_page=20&search=linen",
        ),
        Scenario(
            "create", "`POST /orders`, two lines", f"{PREFIX}/orders", kind="order"
        ),
    ]


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TJAR_DATABASE_URL": url,
        "TJAR_SECRET_KEY": SECRET,
        "TJAR_LOG_LEVEL": "WARNING",
        # One key drives the whole load: far beyond any per-key limit.
        "TJAR_RATE_LIMIT_PER_MINUTE": "100000000",
        # Both servers' pools (the baseline reads the same settings) must fit
        # in PostgreSQL's default 100 connections: 2 servers x 2 workers x
        # 20. The defaults (20 + 10 each) ran out during POST /orders.
        "TJAR_DB_POOL_SIZE": "16",
        "TJAR_DB_MAX_OVERFLOW": "4",
        "TJAR_WORKER_IN_PROCESS": "false",
        "TJAR_BENCH_STORE": "1",
    }


def order_body() -> bytes:
    return orjson.dumps(
        {
            "customer": {
                "name": "Customer 1",
                "email": "c1@example.com",
                "mobile": "+966500000001",
            },
            "products": [{"id": 1, "quantity": 1}, {"id": 2, "quantity": 1}],
        }
    )


def check(servers: list[Server], cases: list[Scenario]) -> None:
    """Ask each server once per scenario; reads must match byte for byte."""
    for case in cases:
        answers = []
        for server in servers:
            for language in ("en", "ar"):
                if case.kind == "order":
                    answer = httpx.post(
                        server.base + case.path,
                        content=order_body(),
                        headers={
                            **headers(language),
                            "Content-Type": "application/json",
                        },
                        timeout=30,
                    )
                else:
                    answer = httpx.get(
                        server.base + case.path, headers=headers(language), timeout=30
                    )
                if answer.status_code not in (200, 201):
                    raise SystemExit(
                        f"{server.name} {case.key}: {answer.status_code} {answer.text}"
                    )
                answers.append(answer.content)
        if len(servers) == 2:
            _same(case, answers[:2], answers[2:])
        print(f"checked {case.key}", flush=True)


def _same(case: Scenario, ours: list[bytes], theirs: list[bytes]) -> None:
    if case.kind == "order":
        # New orders differ in ids and times; the shape must not.
        ours_keys = [_shape(orjson.loads(body)) for body in ours]
        theirs_keys = [_shape(orjson.loads(body)) for body in theirs]
        if ours_keys != theirs_keys:
            raise SystemExit(f"{case.key}: the baseline answers another shape")
    elif ours != theirs:
        raise SystemExit(f"{case.key}: the baseline answers other bytes")


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def measure_http(
    settings: Settings, servers: list[Server], cases: list[Scenario]
) -> dict[str, dict[str, Run]]:
    """Drive every scenario on every server, alternating which goes first."""
    wrk = ensure_wrk()
    results: dict[str, dict[str, Run]] = {}
    for case in cases:
        runs: dict[str, list[Run]] = {server.name: [] for server in servers}
        for server in servers:
            drive(  # warm-up: connections, caches, prepared statements
                wrk,
                server.base + case.path,
                headers(),
                kind=case.kind,
                products=settings.plan.big_products,
                seconds=2,
                connections=settings.connections,
            )
        for number in range(settings.rounds):
            order = servers if number % 2 == 0 else servers[::-1]
            for server in order:
                run = drive(
                    wrk,
                    server.base + case.path,
                    headers(),
                    kind=case.kind,
                    products=settings.plan.big_products,
                    seconds=settings.seconds,
                    connections=settings.connections,
                )
                runs[server.name].append(run)
                print(
                    f"{case.key:>9} {server.name:>8}: {run.rps:8,.0f} req/s  "
                    f"p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:6.1f} ms  "
                    f"failed {run.failures}",
                    flush=True,
                )
        results[case.key] = {name: median_run(items) for name, items in runs.items()}
    return results


async def main_async(settings: Settings, dry_run: bool) -> str | None:
    postgres = None
    if not settings.url.startswith("sqlite"):
        postgres = await ensure_postgres_database(settings.url)
    await prepare(settings.url, settings.plan, reseed=settings.extra["reseed"])
    cursor, orders = await deep_cursor(settings.url, settings.plan.big_orders * 5 // 6)
    settings.extra["orders"] = orders
    cases = scenarios(settings.plan, cursor)
    env = server_env(settings.url)
    servers = [tjar_server(env, settings.workers)]
    if settings.baseline:
        servers.append(baseline_server(env, settings.workers))
    try:
        # Blocking work runs in a thread, so a Ctrl-C stops the run at once.
        for server in servers:
            await asyncio.to_thread(server.start, cases[0].path, headers())
        await asyncio.to_thread(check, servers, cases)
        if dry_run:
            return None
        results = await asyncio.to_thread(measure_http, settings, servers, cases)
        memory = {
            server.name: [memory_mb(pid) for pid in server.workers()]
            for server in servers
        }
    finally:
        for server in servers:
            server.stop()
    hooks = await webhooks.measure(
        settings.url,
        events=settings.webhook_events,
        samples=200,
        checkpoints=settings.webhook_checkpoints,
    )
    return report(settings, results, memory, hooks, postgres)


def _ratio(ours: float, theirs: float | None) -> str:
    return "" if not theirs else f"{ours / theirs:.0%}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(
    settings: Settings,
    results: dict[str, dict[str, Run]],
    memory: dict[str, list[tuple[float, float]]],
    hooks: webhooks.Result,
    postgres: str | None,
) -> str:
    plan = settings.plan
    cases = {case.key: case for case in scenarios(plan, "")}
    database = f"PostgreSQL {postgres}" if postgres else "SQLite"
    cpu = _cpu_model()
    lines = [
        START,
        f"## Results: `{settings.command}`",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {cpu}, "
        f"{os.cpu_count()} cores, {_memory_gb()} GB; Linux "
        f"{platform.release()}; Python {platform.python_version()}; {database}; "
        f"Tjar {__version__}, uvicorn {version('uvicorn')}, FastAPI "
        f"{version('fastapi')}, SQLAlchemy {version('sqlalchemy')}, asyncpg "
        f"{version('asyncpg')}, Starlette {version('starlette')}, httpx "
        f"{version('httpx')}; {_wrk_version()}.",
        "",
        f"Data: {plan.stores:,} stores; the measured store has "
        f"{plan.big_products:,} products, {settings.extra['orders']:,} orders "
        f"({plan.big_orders:,} seeded with {plan.lines_per_order} lines each, "
        "the rest added by earlier runs' `POST /orders`) and "
        f"{plan.big_customers:,} customers; every other store has "
        f"{plan.small_orders:,} orders. Load: wrk, 1 thread, "
        f"{settings.connections} connections, {settings.rounds} "
        f"run{'s' if settings.rounds > 1 else ''} of "
        f"{settings.seconds} s per server and endpoint"
        + (", alternating which server goes first; " if settings.baseline else "; ")
        + f"medians of the runs. Servers: `tjar serve --workers {settings.workers} "
        "--no-webhook-worker`"
        + (
            f" and `uvicorn bench.baseline:app --workers {settings.workers}`"
            if settings.baseline
            else " (no baseline on SQLite)"
        )
        + ", all on the same cores as the database and wrk.",
        "",
        "| endpoint | Tjar req/s | baseline req/s | Tjar / baseline | target "
        "| Tjar p50 / p99 | p99 ÷ p50 | target | baseline p50 / p99 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, runs in results.items():
        ours, theirs = runs["tjar"], runs.get("baseline")
        target = 0.4 if key == "create" else 0.6
        ratio_ok = theirs is None or ours.rps >= target * theirs.rps
        spread = ours.p99_ms / ours.p50_ms
        spread_target = "" if key == "create" else "< 5×"
        spread_verdict = "" if key == "create" else _verdict(spread < 5)
        # Failed answers are often fast: a row with any is not a fair figure.
        failed = sum(run.failures for run in runs.values())
        flag = f" ({failed} failed)" if failed else ""
        lines.append(
            f"| {cases[key].title}{flag} | {ours.rps:,.0f} | "
            + (f"{theirs.rps:,.0f}" if theirs else "—")
            + f" | {_ratio(ours.rps, theirs.rps if theirs else None)} | "
            + (f"≥ {target:.0%} {_verdict(ratio_ok)}" if theirs else "")
            + f" | {ours.p50_ms:.1f} / {ours.p99_ms:.1f} ms | {spread:.1f}× | "
            f"{spread_target} {spread_verdict} | "
            + (f"{theirs.p50_ms:.1f} / {theirs.p99_ms:.1f} ms" if theirs else "—")
            + " |"
        )
    failures = sum(run.failures for runs in results.values() for run in runs.values())
    deep = results["deep"]["tjar"].p50_ms / results["orders"]["tjar"].p50_ms
    lines += [
        "",
        f"Failed requests (non-2xx or socket errors) in all runs: {failures}.",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
        f"| deep cursor page ÷ first page, median latency | {deep:.2f}× | ≤ 1.3× "
        f"| {_verdict(deep <= 1.3)} |",
    ]
    for name, processes in memory.items():
        label = "Tjar" if name == "tjar" else "baseline"
        now = ", ".join(f"{rss:.0f}" for rss, _ in processes)
        peak = ", ".join(f"{top:.0f}" for _, top in processes)
        within = all(rss < 150 for rss, _ in processes)
        lines.append(
            f"| {label} API workers, resident MB at the end (peak) | {now} ({peak}) "
            + ("| < 150 MB each | " + _verdict(within) if name == "tjar" else "| |")
            + " |"
        )
    first, last = min(hooks.rss_at), max(hooks.rss_at)
    growth = hooks.rss_at[last] / hooks.rss_at[first] - 1
    lines += [
        f"| webhook deliveries per second, one worker at `--concurrency "
        f"{hooks.concurrency}`, {hooks.events:,} events "
        f"| {hooks.rate:,.0f} | ≥ 1,000 | {_verdict(hooks.rate >= 1000)} |",
        f"| commit → arrival, idle queue, median (p99) | {hooks.median_ms:.1f} ms "
        f"({hooks.p99_ms:.1f} ms) | < 50 ms | {_verdict(hooks.median_ms < 50)} |",
        f"| worker resident MB after {first:,} / {last:,} deliveries (peak) | "
        f"{hooks.rss_at[first]:.0f} / {hooks.rss_at[last]:.0f} ({growth:+.1%}) "
        f"({hooks.peak_rss_mb:.0f}) | within ±10 % | "
        f"{_verdict(abs(growth) <= 0.10)} |",
        f"| worker CPU while draining (`--concurrency {hooks.concurrency}`) | "
        f"{hooks.worker_cpu:.0%} of a core | | |",
        END,
    ]
    return "\n".join(lines)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _memory_gb() -> int:
    first = Path("/proc/meminfo").read_text().split()
    return round(int(first[1]) / 1024 / 1024)


def _wrk_version() -> str:
    output = subprocess.run(
        [ensure_wrk(), "-v"], capture_output=True, text=True, check=False
    ).stdout
    return " ".join(output.split()[:2]) or "wrk"


def write(section: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else "# Performance\n\n"
    if START in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    REPORT.write_text(text)


def _command(quick: bool) -> str:
    """Spell the command this run was started with, options included."""
    options = [arg for arg in sys.argv[1:] if arg != "--quick"]
    command = "make bench-quick" if quick else "make bench"
    return f'{command} BENCH_ARGS="{" ".join(options)}"' if options else command


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="SQLite, small data.")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Tiny data; one checked request per endpoint; no load, no report.",
    )
    parser.add_argument("--database-url", help="Where to seed and serve from.")
    parser.add_argument("--reseed", action="store_true", help="Seed even if seeded.")
    parser.add_argument("--workers", type=positive, default=2)
    parser.add_argument("--seconds", type=positive)
    parser.add_argument("--rounds", type=positive)
    parser.add_argument("--connections", type=positive, default=32)
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="Print only; leave the report (--quick never writes it).",
    )
    args = parser.parse_args()

    if args.dry_run:
        smoke = SMOKE_URL if args.quick else beside(bench_url(), "tjar_bench_smoke")
        url = args.database_url or smoke
        plan = SMOKE
    elif args.quick:
        url, plan = args.database_url or QUICK_URL, QUICK
    else:
        url, plan = args.database_url or bench_url(), FULL
    quick = args.quick or args.dry_run
    settings = Settings(
        url=url,
        plan=plan,
        workers=args.workers,
        seconds=args.seconds if args.seconds is not None else 5 if quick else 15,
        rounds=args.rounds if args.rounds is not None else 1 if quick else 3,
        connections=args.connections,
        webhook_events=5_000 if quick else 100_000,
        webhook_checkpoints=(1_000,) if quick else (10_000,),
        baseline=not url.startswith("sqlite"),
        command=_command(args.quick),
        extra={"reseed": args.reseed},
    )
    # A SIGTERM (or timeout) unwinds like Ctrl-C, so the servers are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        section = asyncio.run(main_async(settings, args.dry_run))
    except KeyboardInterrupt:
        raise SystemExit("bench: interrupted; the servers were stopped") from None
    except (OSError, asyncpg.PostgresError) as error:
        # Most often the database is not there: say so in one line.
        raise SystemExit(f"bench: {settings.url}: {error}") from None
    if section is None:
        print("dry run passed", flush=True)
        return
    print(section)
    # Only the full run is the report of record; the quick one is printed.
    if not (args.no_write or args.quick):
        write(section)
        print(f"written to {REPORT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

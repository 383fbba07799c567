"""Webhook delivery benchmark: one ``tjar worker`` process on PostgreSQL.

Measures sustained deliveries per second over a queue of events, and the
time from an event's commit to its arrival at a loopback receiver when the
queue is idle. ``--write`` records the results in docs/performance.md.

    make bench-webhooks                      # PostgreSQL on 127.0.0.1:5432
    TJAR_BENCH_DATABASE_URL=postgresql+asyncpg://user@host/db make bench-webhooks
"""

import argparse
import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tjar import __version__
from tjar.db import migrate
from tjar.db.session import (
    bind_to_store,
    create_engine,
    create_sessionmaker,
    platform_session,
    store_session,
)
from tjar.domain.stores import create_store
from tjar.domain.webhooks import TargetPolicy, WebhookInput, create_webhook
from tjar.webhooks.outbox import emit
from tjar.webhooks.vault import Vault

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DATABASE = "tjar_bench_webhooks"
SECRET = "bench-secret-key"
START, END = "<!-- webhooks:start -->", "<!-- webhooks:end -->"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def order_like(number: int) -> dict[str, Any]:
    """Build a payload about the size of a two-line order (about 1.5 KB)."""
    line = {
        "id": number * 2,
        "name": {"ar": "قميص قطني", "en": "Cotton shirt"},
        "sku": f"SKU-{number}",
        "quantity": 1,
        "price": 115,
        "subtotal": 115,
        "tax": 15,
        "options": [{"name": "Size", "value": "M"}],
    }
    return {
        "id": number,
        "order_id": 100000 + number,
        "version": 1,
        "status": {"value": "pending", "label": {"ar": "معلق", "en": "Pending"}},
        "customer": {"name": "Noura", "email": "noura@example.com"},
        "items": [line, {**line, "id": number * 2 + 1}],
        "amounts": {"subtotal": 230, "tax": 30, "total": 230},
        "notes": "Leave at the door " * 20,
        "updated_at": datetime.now(UTC).isoformat(),
    }


async def fresh_database(base: str) -> tuple[str, str]:
    """Create an empty scratch database; return its URL and the server version."""
    admin = make_url(base).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{DATABASE}"')
        version = str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
    url = make_url(base).set(database=DATABASE)
    return url.render_as_string(hide_password=False), version.split()[0]


async def no_dns(host: str, port: int) -> list[str]:
    raise OSError(host)


async def prepare(sessions: async_sessionmaker[AsyncSession], hook: str) -> int:
    async with platform_session(sessions) as session:
        store = await create_store(
            session, slug="bench", name="Bench", platform_domain="localhost"
        )
        bind_to_store(session, store.id)
        await create_webhook(
            session,
            data=WebhookInput(name="Bench", url=hook, events=["order.updated"]),
            vault=Vault(SECRET),
            policy=TargetPolicy(allow_private=True, resolver=no_dns),
        )
        await session.commit()
        return store.id


async def queue(
    sessions: async_sessionmaker[AsyncSession], store_id: int, count: int
) -> None:
    for start in range(0, count, 1000):
        async with store_session(sessions, store_id, write=True) as session:
            for number in range(start, min(start + 1000, count)):
                data = order_like(number)
                await emit(session, "order.updated", lambda ctx, data=data: data)
            await session.commit()


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=ROOT)


async def stats(port: int) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/stats")
        result: dict[str, Any] = response.json()
        return result


async def wait_for(port: int, count: int, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        seen = await stats(port)
        if len(seen["arrivals"]) >= count:
            return seen
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(seen['arrivals'])} of {count} arrived")
        await asyncio.sleep(0.25)


def cpu_seconds(pid: int) -> float:
    """Return the CPU time a process has used (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url, postgres = await fresh_database(args.database_url)
    # Alembic runs its own event loop.
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    port = free_port()
    env = {
        **os.environ,
        "TJAR_ENV": "development",
        "TJAR_DATABASE_URL": url,
        "TJAR_SECRET_KEY": SECRET,
        "TJAR_LOG_LEVEL": "WARNING",
        "TJAR_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    }
    receiver = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.receiver:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ],
        env,
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.sleep(1.5)
        store_id = await prepare(sessions, f"http://127.0.0.1:{port}/hook")
        print(f"queueing {args.events} events ...", flush=True)
        await queue(sessions, store_id, args.events)

        # py-spy samples without slowing the worker; install it to profile.
        profiler = (
            ["py-spy", "record", "--format", "raw", "-o", args.profile, "--"]
            if args.profile
            else []
        )
        worker = start(
            [
                *profiler,
                sys.executable,
                "-m",
                "tjar",
                "worker",
                "--concurrency",
                str(args.concurrency),
            ],
            env,
        )
        seen = await wait_for(port, args.events, within=600)
        times = sorted(seen["arrivals"].values())
        rate = (len(times) - 1) / (times[-1] - times[0])
        # Startup included: an upper bound on the busy share of one core.
        worker_cpu = cpu_seconds(worker.pid) / (times[-1] - times[0])
        receiver_cpu = cpu_seconds(receiver.pid) / (times[-1] - times[0])
        print(f"throughput: {rate:.0f} deliveries/s", flush=True)

        print(f"latency: {args.samples} events on an idle queue ...", flush=True)
        committed: dict[str, float] = {}
        for number in range(args.samples):
            async with store_session(sessions, store_id, write=True) as session:
                data = order_like(number)
                event = await emit(
                    session, "order.updated", lambda ctx, data=data: data
                )
                await session.commit()
            assert event is not None
            committed[event.public_id] = time.time()
            await asyncio.sleep(0.05)
        seen = await wait_for(port, args.events + args.samples, within=60)
        delays = sorted(
            (seen["arrivals"][key] - at) * 1000 for key, at in committed.items()
        )
        rss = peak_rss_mb(worker.pid)
    finally:
        for process in (worker, receiver):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        await engine.dispose()

    return {
        "events": args.events,
        "concurrency": args.concurrency,
        "rate": rate,
        "median_ms": statistics.median(delays),
        "p95_ms": delays[int(len(delays) * 0.95) - 1],
        "p99_ms": delays[int(len(delays) * 0.99) - 1],
        "rss_mb": rss,
        "worker_cpu": worker_cpu,
        "receiver_cpu": receiver_cpu,
        "postgres": postgres,
    }


def report(result: dict[str, Any], command: str) -> str:
    verdict_rate = "met" if result["rate"] >= 1000 else "missed"
    verdict_latency = "met" if result["median_ms"] < 50 else "missed"
    return "\n".join(
        [
            START,
            "## Webhook delivery",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} with `{command}` "
            f"({os.cpu_count()} cores; Python {platform.python_version()}, "
            f"PostgreSQL {result['postgres']}, httpx {httpx.__version__}, "
            f"Tjar {__version__}): one `tjar worker` process "
            f"(`--concurrency {result['concurrency']}`), PostgreSQL and a "
            "uvicorn receiver, all on the same cores.",
            "",
            "| measure | result | target | |",
            "|---|---|---|---|",
            f"| deliveries per second, {result['events']:,} queued events | "
            f"{result['rate']:,.0f} | ≥ 1,000 | {verdict_rate} |",
            f"| commit → arrival, idle queue, median | {result['median_ms']:.1f} ms "
            f"| < 50 ms | {verdict_latency} |",
            f"| commit → arrival, p95 / p99 | {result['p95_ms']:.1f} / "
            f"{result['p99_ms']:.1f} ms | | |",
            f"| worker peak resident memory | {result['rss_mb']:.0f} MB | | |",
            f"| worker / receiver CPU while sending | {result['worker_cpu']:.0%} / "
            f"{result['receiver_cpu']:.0%} of a core | | |",
            END,
        ]
    )


def write(section: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else "# Performance\n\n"
    if START in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    REPORT.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TJAR_BENCH_DATABASE_URL", DEFAULT_URL),
        help="A PostgreSQL server where a scratch database may be created.",
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=200)
    # Fastest on this machine (see docs/performance.md for the others).
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--write", action="store_true", help="Update the report.")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="Sample the worker with py-spy into FILE (collapsed stacks).",
    )
    args = parser.parse_args()

    result = asyncio.run(run(args))
    section = report(result, "make bench-webhooks")
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()

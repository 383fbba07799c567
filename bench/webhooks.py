"""Webhook delivery benchmark: one ``tjar worker`` process and a loopback receiver.

Measures sustained deliveries per second over a queue of events, the
worker's resident memory as the queue drains, and the time from an event's
commit to its arrival at the receiver when the queue is idle. ``make bench``
runs it as part of the whole suite; on its own it prints its figures:

    make bench-webhooks                      # PostgreSQL on 127.0.0.1:5432
    TJAR_BENCH_DATABASE_URL=postgresql+asyncpg://user@host/db make bench-webhooks
"""

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.database import SECRET, asyncpg_dsn, bench_url, no_dns
from bench.load import free_port, memory_mb, spawn, stop
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
from tjar.webhooks.outbox import emit, new_event_id
from tjar.webhooks.vault import Vault

DATABASE = "tjar_bench_webhooks"
# Fastest on this machine (see docs/performance.md for the others).
CONCURRENCY = 24


@dataclass(frozen=True)
class Result:
    events: int
    concurrency: int
    rate: float
    median_ms: float
    p99_ms: float
    # Resident memory (MB) after each checkpoint's deliveries arrived.
    rss_at: dict[int, float]
    peak_rss_mb: float
    worker_cpu: float


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


async def scratch_database(base: str) -> str:
    """Return the URL of an empty, migrated database beside ``base``."""
    if base.startswith("sqlite"):
        path = Path(str(make_url(base).database)).with_name("bench-webhooks.db")
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        url = f"sqlite+aiosqlite:///{path}"
    else:
        connection = await asyncpg.connect(asyncpg_dsn(base))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" (FORCE)')
            await connection.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await connection.close()
        url = make_url(base).set(database=DATABASE).render_as_string(False)
    # Alembic runs its own event loop.
    await asyncio.to_thread(migrate.upgrade, url)
    return url


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
    url: str, sessions: async_sessionmaker[AsyncSession], store_id: int, count: int
) -> None:
    """Queue ``count`` events: by ``COPY`` on PostgreSQL, else through ``emit``."""
    if not url.startswith("sqlite"):
        await _copy_events(url, store_id, count)
        return
    for start in range(0, count, 1000):
        async with store_session(sessions, store_id, write=True) as session:
            for number in range(start, min(start + 1000, count)):
                data = order_like(number)
                await emit(session, "order.updated", lambda ctx, data=data: data)
            await session.commit()


async def _copy_events(url: str, store_id: int, count: int) -> None:
    """Write events and deliveries as ``emit`` would, in bulk."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        webhook_id = await connection.fetchval(
            "SELECT id FROM webhooks WHERE store_id = $1", store_id
        )
        now = datetime.now(UTC)
        events, deliveries = [], []
        for number in range(1, count + 1):
            public_id = new_event_id(now)
            body = {
                "id": public_id,
                "type": "order.updated",
                "created_at": now.isoformat(),
                "store": {"id": store_id, "domain": "bench.localhost"},
                "data": order_like(number),
            }
            events.append(
                (number, store_id, public_id, "order.updated", orjson.dumps(body), now)
            )
            deliveries.append(
                (number, store_id, webhook_id, number, "order.updated", now, now)
                + ("pending", 0, 0)
            )
        await connection.copy_records_to_table(
            "webhook_events",
            records=events,
            columns=["id", "store_id", "public_id", "type", "body", "created_at"],
        )
        await connection.copy_records_to_table(
            "webhook_deliveries",
            records=deliveries,
            columns=[
                "id",
                "store_id",
                "webhook_id",
                "event_id",
                "event_type",
                "next_attempt_at",
                "created_at",
                "status",
                "attempts",
                "claims",
            ],
        )
        for table in ("webhook_events", "webhook_deliveries"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)", count
            )
        await connection.execute("ANALYZE webhook_deliveries")
    finally:
        await connection.close()


async def arrived(client: httpx.AsyncClient, port: int) -> int:
    answer = await client.get(f"http://127.0.0.1:{port}/stats?count")
    return int(answer.json()["arrived"])


async def wait_for(
    client: httpx.AsyncClient, port: int, count: int, within: float
) -> None:
    deadline = time.monotonic() + within
    while (seen := await arrived(client, port)) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {seen} of {count} webhooks arrived")
        await asyncio.sleep(0.2)


def cpu_seconds(pid: int) -> float:
    """Return the CPU time a process has used (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    base_url: str,
    *,
    events: int,
    samples: int,
    concurrency: int = CONCURRENCY,
    checkpoints: tuple[int, ...] = (),
    profile: str | None = None,
) -> Result:
    """Queue ``events``, let one worker drain them, then time idle deliveries."""
    url = await scratch_database(base_url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    port = free_port()
    env = {
        **os.environ,
        "TJAR_DATABASE_URL": url,
        "TJAR_SECRET_KEY": SECRET,
        "TJAR_LOG_LEVEL": "WARNING",
        "TJAR_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    }
    receiver = spawn(
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
        ],
        env,
    )
    worker: subprocess.Popen[bytes] | None = None
    profiler: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.sleep(1.5)
        store_id = await prepare(sessions, f"http://127.0.0.1:{port}/hook")
        print(f"webhooks: queueing {events:,} events ...", flush=True)
        await queue(url, sessions, store_id, events)

        worker = spawn(
            [
                sys.executable,
                "-m",
                "tjar",
                "worker",
                "--concurrency",
                str(concurrency),
            ],
            env,
        )
        # py-spy samples from outside without slowing the worker.
        if profile:
            py_spy = str(Path(sys.executable).with_name("py-spy"))
            sampler = [py_spy, "record", "--format", "raw", "-o", profile]
            profiler = spawn([*sampler, "--pid", str(worker.pid)], env)
        rss_at: dict[int, float] = {}
        async with httpx.AsyncClient() as client:
            began = time.monotonic()
            for checkpoint in sorted({*checkpoints, events}):
                await wait_for(client, port, checkpoint, within=900)
                if checkpoint == events:
                    elapsed = time.monotonic() - began
                rss_at[checkpoint] = memory_mb(worker.pid)[0]
            times = sorted(
                (await client.get(f"http://127.0.0.1:{port}/stats"))
                .json()["arrivals"]
                .values()
            )
            rate = (len(times) - 1) / (times[-1] - times[0])
            worker_cpu = cpu_seconds(worker.pid) / elapsed
            print(f"webhooks: {rate:,.0f} deliveries/s", flush=True)

            print(f"webhooks: {samples} events on an idle queue ...", flush=True)
            committed: dict[str, float] = {}
            for number in range(samples):
                async with store_session(sessions, store_id, write=True) as session:
                    data = order_like(number)
                    event = await emit(
                        session, "order.updated", lambda ctx, data=data: data
                    )
                    await session.commit()
                assert event is not None
                committed[event.public_id] = time.time()
                await asyncio.sleep(0.05)
            await wait_for(client, port, events + samples, within=60)
            seen = (await client.get(f"http://127.0.0.1:{port}/stats")).json()
        delays = sorted(
            (seen["arrivals"][key] - at) * 1000 for key, at in committed.items()
        )
        peak = memory_mb(worker.pid)[1]
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its file on ^C
            profiler.wait(timeout=60)
        for process in (worker, receiver):
            if process is not None:
                stop(process)
        await engine.dispose()

    return Result(
        events=events,
        concurrency=concurrency,
        rate=rate,
        median_ms=statistics.median(delays),
        p99_ms=delays[max(0, int(len(delays) * 0.99) - 1)],
        rss_at=rss_at,
        peak_rss_mb=peak,
        worker_cpu=worker_cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=bench_url(),
        help="A PostgreSQL server where a scratch database may be created.",
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="Sample the worker with py-spy into FILE (collapsed stacks).",
    )
    args = parser.parse_args()
    result = asyncio.run(
        measure(
            args.database_url,
            events=args.events,
            samples=args.samples,
            concurrency=args.concurrency,
            profile=args.profile,
        )
    )
    for name, value in vars(result).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()

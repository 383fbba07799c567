"""The delivery worker: claim due deliveries, send them, record what happened.

Any number of workers share one outbox. A claim is one statement that takes
due rows with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite runs one writer
at a time anyway) and pushes their due time one lease ahead, so a worker
that dies mid-attempt leaves its rows to be taken again when the lease ends.
"""

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from tjar.clock import utcnow
from tjar.config import Settings
from tjar.db.models import (
    StoreDomain,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from tjar.db.session import begin_write, platform_session
from tjar.domain.webhooks import signing_secrets
from tjar.webhooks import signing
from tjar.webhooks.notices import Mailer, add_notice, send_notice_mails
from tjar.webhooks.outbox import ring_on_commit
from tjar.webhooks.schedule import (
    DISABLE_AFTER,
    WARN_AFTER,
    Outcome,
    decide,
    outcome_of,
    parse_retry_after,
)
from tjar.webhooks.sender import AttemptResult, Sender
from tjar.webhooks.targets import Resolver, system_resolver
from tjar.webhooks.vault import Vault, VaultError

log = structlog.get_logger("tjar.webhooks")

# Longer than any attempt can take (10 s), so a live worker keeps its rows.
LEASE = timedelta(seconds=60)
KEEP_LOG = timedelta(days=14)
HOUSEKEEPING_EVERY = 30.0
RECORD_GATHER = 0.01
DOMAIN_TTL = 60.0
CLEANUP_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    """A claimed delivery with everything its attempt needs."""

    delivery_id: int
    claims: int
    store_id: int
    webhook_id: int
    attempt: int
    event_public_id: str
    event_type: str
    body: bytes
    url: str
    secrets: list[str]
    domain: str
    # The webhook's health when claimed, so healthy batches cost no writes.
    failing_since: datetime | None = None
    warned: bool = False


@dataclass(frozen=True)
class Done:
    job: Job
    result: AttemptResult
    started_at: datetime


@dataclass
class _Health:
    """What a batch of results means for each webhook."""

    recovered: set[int] = field(default_factory=set)
    newly_failing: set[int] = field(default_factory=set)
    troubled: set[int] = field(default_factory=set)
    gone: set[int] = field(default_factory=set)

    def note(self, job: Job, outcome: Outcome, now: datetime) -> None:
        """Take in one result; the last result of a webhook in a batch wins."""
        webhook = job.webhook_id
        for group in (self.recovered, self.newly_failing, self.troubled, self.gone):
            group.discard(webhook)
        if outcome is Outcome.GONE:
            self.gone.add(webhook)
        elif outcome is Outcome.SUCCEEDED:
            if job.failing_since is not None:
                self.recovered.add(webhook)
        elif job.failing_since is None:
            self.newly_failing.add(webhook)
        elif now - job.failing_since >= DISABLE_AFTER or (
            now - job.failing_since >= WARN_AFTER and not job.warned
        ):
            self.troubled.add(webhook)


class Worker:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        vault: Vault,
        concurrency: int = 64,
        mailer: Mailer | None = None,
        poll_interval: float = 1.0,
        lease: timedelta = LEASE,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.sender = sender
        self.vault = vault
        self.concurrency = concurrency
        self.mailer = mailer
        self.poll_interval = poll_interval
        self.lease = lease
        self.rng = rng or random.Random()
        self._secrets: dict[str, str] = {}
        self._domain_cache: dict[int, tuple[str, float]] = {}
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._in_flight = 0
        self._last_cleanup: datetime | None = None

    # -- one pass, for tests and for the CLI's --once --------------------------

    async def run_once(self, limit: int = 1000) -> int:
        """Send every delivery due now (up to ``limit``); return how many."""
        jobs = await self.claim(limit)
        done = await asyncio.gather(*(self.attempt(job) for job in jobs))
        await self.record(list(done))
        return len(jobs)

    # -- the loop ------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, keeping ``concurrency`` attempts in flight.

        Claims are made in batches: the next claim waits until half the
        slots are free (or none are busy), so the queue is read in a few
        large statements rather than one row at a time.
        """
        loop = asyncio.get_running_loop()

        def ring() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        forget = ring_on_commit(ring)
        listener = await self._listen()
        results: asyncio.Queue[Done] = asyncio.Queue()
        recorder = asyncio.create_task(self._record_from(results))
        housekeeper = asyncio.create_task(self._housekeep(stop))
        log.info("worker.started", concurrency=self.concurrency)
        try:
            await self._feed(stop, results)
        finally:
            while self._in_flight:
                self._room.clear()
                await self._room.wait()
            await results.join()
            recorder.cancel()
            housekeeper.cancel()
            forget()
            if listener is not None:
                await listener()
            log.info("worker.stopped")

    async def _feed(self, stop: asyncio.Event, results: "asyncio.Queue[Done]") -> None:
        batch = max(1, self.concurrency // 2)
        while not stop.is_set():
            free = self.concurrency - self._in_flight
            if free < batch and self._in_flight:
                self._room.clear()
                await self._room.wait()
                continue
            # Cleared before the claim: a commit during it still wakes the idle wait.
            self._wake.clear()
            try:
                jobs = await self.claim(free)
            except Exception:
                log.exception("worker.claim_failed")
                jobs = []
            self._in_flight += len(jobs)
            for job in jobs:
                asyncio.create_task(self._attempt_into(job, results))
            if not jobs:
                await self._idle(stop)

    async def _attempt_into(self, job: Job, results: "asyncio.Queue[Done]") -> None:
        try:
            results.put_nowait(await self.attempt(job))
        finally:
            self._in_flight -= 1
            self._room.set()

    async def _idle(self, stop: asyncio.Event) -> None:
        waiters = [
            asyncio.create_task(self._wake.wait()),
            asyncio.create_task(stop.wait()),
        ]
        await asyncio.wait(
            waiters, timeout=self.poll_interval, return_when="FIRST_COMPLETED"
        )
        for waiter in waiters:
            waiter.cancel()

    async def _record_from(self, results: "asyncio.Queue[Done]") -> None:
        while True:
            batch = [await results.get()]
            # A moment's wait gathers the attempts finishing together into one
            # transaction; it delays only the bookkeeping, not the sending.
            await asyncio.sleep(RECORD_GATHER)
            while not results.empty() and len(batch) < 500:
                batch.append(results.get_nowait())
            try:
                await self._record_apart(batch)
            finally:
                for _ in batch:
                    results.task_done()

    async def _record_apart(self, batch: list[Done]) -> None:
        """Record a batch, or if that fails each result alone.

        So one bad result cannot hold back the rest. A result that cannot be
        recorded stays leased, and is sent again when the lease ends.
        """
        try:
            await self.record(batch)
            return
        except Exception:
            if len(batch) == 1:
                log.exception(
                    "worker.record_failed", delivery_id=batch[0].job.delivery_id
                )
                return
            log.exception("worker.batch_record_failed", count=len(batch))
        for item in batch:
            await self._record_apart([item])

    async def _housekeep(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.housekeeping()
            await asyncio.sleep(HOUSEKEEPING_EVERY)

    async def housekeeping(self) -> None:
        """Mail pending notices; once an hour, drop log entries past 14 days.

        Each job runs even when the other fails.
        """
        try:
            await send_notice_mails(self.sessions, self.mailer)
        except Exception:
            log.exception("worker.notice_mail_failed")
        now = utcnow()
        if self._last_cleanup is None or now - self._last_cleanup >= CLEANUP_EVERY:
            try:
                await cleanup(self.sessions, before=now - KEEP_LOG)
                self._last_cleanup = now
            except Exception:
                log.exception("worker.cleanup_failed")

    async def _listen(self) -> Callable[[], Any] | None:
        """On PostgreSQL, wake on ``NOTIFY`` from committing emitters."""
        engine = self.sessions.kw["bind"]
        if engine.dialect.name != "postgresql":
            return None
        from tjar.webhooks.outbox import NOTIFY_CHANNEL

        connection = await engine.connect()
        raw = (await connection.get_raw_connection()).driver_connection

        def heard(*_: object) -> None:
            self._wake.set()

        await raw.add_listener(NOTIFY_CHANNEL, heard)

        async def close() -> None:
            await raw.remove_listener(NOTIFY_CHANNEL, heard)
            await connection.close()

        return close

    # -- claim ---------------------------------------------------------------

    async def claim(self, limit: int) -> list[Job]:
        """Lease up to ``limit`` due deliveries and load what sending them needs."""
        now = utcnow()
        async with platform_session(self.sessions) as session:
            await begin_write(session)
            # Core statements on the table: the ORM adds nothing here but time.
            column = _deliveries.c
            due = (
                select(column.id)
                .where(column.status == "pending", column.next_attempt_at <= now)
                .order_by(column.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = (
                await session.execute(
                    update(_deliveries)
                    .where(column.id.in_(due.scalar_subquery()))
                    .values(next_attempt_at=now + self.lease, claims=column.claims + 1)
                    .returning(
                        column.id,
                        column.claims,
                        column.store_id,
                        column.webhook_id,
                        column.event_id,
                        column.attempts,
                    )
                )
            ).all()
            jobs = await self._jobs(session, rows) if rows else []
            await session.commit()
        return jobs

    async def _jobs(
        self, session: AsyncSession, rows: Sequence[Row[int, int, int, int, int, int]]
    ) -> list[Job]:
        events = {
            event.id: event
            for event in (
                await session.execute(
                    select(
                        WebhookEvent.id,
                        WebhookEvent.public_id,
                        WebhookEvent.type,
                        WebhookEvent.body,
                    ).where(WebhookEvent.id.in_({row.event_id for row in rows}))
                )
            )
        }
        webhooks = {
            webhook.id: webhook
            for webhook in await session.scalars(
                select(Webhook).where(Webhook.id.in_({row.webhook_id for row in rows}))
            )
        }
        domains = await self._domains(session, {row.store_id for row in rows})

        jobs = []
        for row in rows:
            webhook = webhooks[row.webhook_id]
            if not webhook.is_active:
                await _stop(session, row.id, "webhook_inactive")
                continue
            secrets_ = self._signing_secrets(webhook)
            if secrets_ is None:
                await _stop(session, row.id, "secret_unreadable")
                continue
            event = events[row.event_id]
            jobs.append(
                Job(
                    delivery_id=row.id,
                    claims=row.claims,
                    store_id=row.store_id,
                    webhook_id=webhook.id,
                    attempt=row.attempts + 1,
                    event_public_id=event.public_id,
                    event_type=event.type,
                    body=event.body,
                    url=webhook.url,
                    secrets=secrets_,
                    domain=domains.get(row.store_id, ""),
                    failing_since=webhook.failing_since,
                    warned=webhook.warned_at is not None,
                )
            )
        return jobs

    async def _domains(
        self, session: AsyncSession, store_ids: set[int]
    ) -> dict[int, str]:
        """Return each store's primary domain, cached for a minute."""
        now = time.monotonic()
        wanted = {
            store_id
            for store_id in store_ids
            if now - self._domain_cache.get(store_id, ("", -DOMAIN_TTL))[1]
            >= DOMAIN_TTL
        }
        if wanted:
            rows = await session.execute(
                select(StoreDomain.store_id, StoreDomain.domain)
                .where(StoreDomain.store_id.in_(wanted))
                .order_by(StoreDomain.is_primary, StoreDomain.id.desc())
            )
            # Later rows win: the primary domain, else the first one made.
            for row in rows:
                self._domain_cache[row.store_id] = (row.domain, now)
        return {
            store_id: self._domain_cache[store_id][0]
            for store_id in store_ids
            if store_id in self._domain_cache
        }

    def _signing_secrets(self, webhook: Webhook) -> list[str] | None:
        try:
            return signing_secrets(webhook, self._open)
        except VaultError:
            log.error("webhook.secret_unreadable", webhook_id=webhook.id)
            return None

    def _open(self, token: str) -> str:
        found = self._secrets.get(token)
        if found is None:
            if len(self._secrets) > 10_000:
                self._secrets.clear()
            found = self._secrets[token] = self.vault.open_text(token)
        return found

    # -- send ----------------------------------------------------------------

    async def attempt(self, job: Job) -> Done:
        """Send one signed attempt of ``job``; never raises."""
        started_at = utcnow()
        timestamp = int(started_at.timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": job.event_public_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signature_header(
                job.secrets, job.event_public_id, timestamp, job.body
            ),
            "x-tjar-event": job.event_type,
            "x-tjar-store": job.domain,
            "x-tjar-delivery": str(job.delivery_id),
            "x-tjar-attempt": str(job.attempt),
        }
        result = await self.sender.send(job.url, headers, job.body)
        log.info(
            "webhook.attempted",
            delivery_id=job.delivery_id,
            webhook_id=job.webhook_id,
            event_type=job.event_type,
            attempt=job.attempt,
            status=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error,
        )
        return Done(job, result, started_at)

    # -- record --------------------------------------------------------------

    async def record(self, done: list[Done]) -> None:
        """Write the attempts and move each delivery on, in one transaction."""
        if not done:
            return
        now = utcnow()
        health = _Health()
        attempt_rows = []
        delivery_rows = []
        for item in done:
            job, result = item.job, item.result
            outcome = outcome_of(result.status_code)
            decision = decide(
                outcome,
                attempts=job.attempt,
                now=now,
                retry_after=parse_retry_after(result.retry_after, now=now),
                rng=self.rng,
            )
            attempt_rows.append(
                {
                    "store_id": job.store_id,
                    "delivery_id": job.delivery_id,
                    "number": job.attempt,
                    "started_at": item.started_at,
                    "duration_ms": result.duration_ms,
                    "status_code": result.status_code,
                    "response_excerpt": result.excerpt,
                    "error": result.error,
                }
            )
            delivery_rows.append(
                {
                    "b_id": job.delivery_id,
                    "b_claims": job.claims,
                    "status": decision.status,
                    "attempts": job.attempt,
                    "next_attempt_at": decision.next_attempt_at,
                    "last_attempt_at": item.started_at,
                    "last_status_code": result.status_code,
                    "last_error": result.error,
                    "completed_at": None if decision.status == "pending" else now,
                }
            )
            health.note(job, outcome, now)

        async with platform_session(self.sessions) as session:
            await begin_write(session)
            # A webhook deleted meanwhile took its deliveries along; the rows
            # still here are locked until this commits.
            alive = set(
                await session.scalars(
                    select(WebhookDelivery.id)
                    .where(WebhookDelivery.id.in_([r["b_id"] for r in delivery_rows]))
                    .with_for_update()
                )
            )
            attempt_rows = [r for r in attempt_rows if r["delivery_id"] in alive]
            delivery_rows = [r for r in delivery_rows if r["b_id"] in alive]
            if attempt_rows:
                await session.execute(insert(_attempts), attempt_rows)
                await session.execute(_MOVE_DELIVERY, delivery_rows)
            await self._apply_health(session, health, now)
            await session.commit()

    async def _apply_health(
        self, session: AsyncSession, health: _Health, now: datetime
    ) -> None:
        if health.recovered:
            await session.execute(
                update(Webhook)
                .where(Webhook.id.in_(health.recovered))
                .values(failing_since=None, warned_at=None)
                .execution_options(synchronize_session=False)
            )
        if health.newly_failing:
            await session.execute(
                update(Webhook)
                .where(
                    Webhook.id.in_(health.newly_failing),
                    Webhook.failing_since.is_(None),
                )
                .values(failing_since=now)
                .execution_options(synchronize_session=False)
            )
        if health.troubled:
            await self._judge_failing(session, health.troubled, now)
        for webhook_id in health.gone:
            webhook = await session.get(Webhook, webhook_id)
            if webhook is not None and webhook.is_active:
                await _disable(session, webhook, "gone", now)

    async def _judge_failing(
        self, session: AsyncSession, webhook_ids: set[int], now: datetime
    ) -> None:
        """Warn after a day of failures; disable after five."""
        troubled = await session.scalars(
            select(Webhook).where(
                Webhook.id.in_(webhook_ids),
                Webhook.is_active,
                Webhook.failing_since <= now - WARN_AFTER,
            )
        )
        for webhook in troubled:
            assert webhook.failing_since is not None
            if webhook.failing_since <= now - DISABLE_AFTER:
                await _disable(session, webhook, "failed_5_days", now)
            elif webhook.warned_at is None:
                webhook.warned_at = now
                add_notice(
                    session,
                    webhook=webhook,
                    kind="webhook_failing",
                    reason="failing",
                    since=webhook.failing_since.isoformat(timespec="seconds"),
                )
                log.warning("webhook.failing", webhook_id=webhook.id)


_deliveries = Webhook.metadata.tables["webhook_deliveries"]
_attempts = Webhook.metadata.tables["webhook_attempts"]
# One statement for the whole batch (executemany); the SET columns come from
# each row's parameters. A row whose lease passed to another worker has
# another ``claims`` and is left to that worker.
_MOVE_DELIVERY = update(_deliveries).where(
    _deliveries.c.id == bindparam("b_id"),
    _deliveries.c.claims == bindparam("b_claims"),
)


async def _disable(
    session: AsyncSession, webhook: Webhook, reason: str, now: datetime
) -> None:
    webhook.is_active = False
    webhook.disabled_reason = reason
    webhook.disabled_at = now
    add_notice(session, webhook=webhook, kind="webhook_disabled", reason=reason)
    await _stop_pending(session, webhook.id, "webhook_disabled", now)
    log.warning("webhook.disabled", webhook_id=webhook.id, reason=reason)


async def _stop(session: AsyncSession, delivery_id: int, reason: str) -> None:
    await _end(session, WebhookDelivery.id == delivery_id, reason, utcnow())


async def _stop_pending(
    session: AsyncSession, webhook_id: int, reason: str, now: datetime
) -> None:
    """End a webhook's queued deliveries; they stay in the log for replay."""
    await _end(session, WebhookDelivery.webhook_id == webhook_id, reason, now)


async def _end(
    session: AsyncSession, which: ColumnElement[bool], reason: str, now: datetime
) -> None:
    await session.execute(
        update(WebhookDelivery)
        .where(which, WebhookDelivery.status == "pending")
        .values(
            status="failed", next_attempt_at=None, last_error=reason, completed_at=now
        )
        .execution_options(synchronize_session=False)
    )


async def cleanup(
    sessions: async_sessionmaker[AsyncSession], *, before: datetime
) -> int:
    """Delete deliveries finished before ``before``, their attempts, and old events."""
    async with platform_session(sessions) as session:
        await begin_write(session)
        removed = await session.execute(
            delete(WebhookDelivery)
            .where(
                WebhookDelivery.status != "pending",
                WebhookDelivery.completed_at < before,
            )
            .execution_options(synchronize_session=False)
        )
        still_used = select(WebhookDelivery.id).where(
            WebhookDelivery.event_id == WebhookEvent.id
        )
        await session.execute(
            delete(WebhookEvent)
            .where(WebhookEvent.created_at < before, ~still_used.exists())
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    count = int(getattr(removed, "rowcount", 0) or 0)
    log.info("webhook.log_cleaned", deliveries=count)
    return count


def build_worker(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    concurrency: int | None = None,
    resolver: Resolver = system_resolver,
) -> Worker:
    """Assemble a worker from the platform settings."""
    chosen = concurrency or settings.worker_concurrency
    return Worker(
        sessions=sessions,
        sender=Sender(
            allow_private=settings.private_targets_allowed,
            resolver=resolver,
            max_connections=chosen,
        ),
        vault=Vault(settings.secret_key),
        concurrency=chosen,
        lease=timedelta(seconds=settings.worker_lease_seconds),
        mailer=Mailer(settings.smtp_url, settings.smtp_from)
        if settings.smtp_url
        else None,
    )

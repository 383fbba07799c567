"""Telling store owners about webhook trouble: a stored notice and an email.

The notice is written in the same transaction as the change it reports; the
email is sent later from the notice, so a mail server that is down delays
the mail without losing it.
"""

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tjar.clock import utcnow
from tjar.db.models import Store, StoreNotice, StoreUser, Webhook
from tjar.db.session import platform_session
from tjar.domain.text import one_line
from tjar.i18n import _, translate

log = structlog.get_logger("tjar.webhooks")

# A mail still unsent this long after its notice is given up.
GIVE_UP_AFTER = timedelta(hours=24)

SUBJECTS = {
    "webhook_failing": _("Webhook \u201c{name}\u201d is failing"),
    "webhook_disabled": _("Webhook \u201c{name}\u201d was disabled"),
}
REASONS = {
    "failing": _(
        "Every delivery to {url} has failed since {since}. Check the endpoint; "
        "after 5 days of failures the webhook is disabled."
    ),
    "failed_5_days": _(
        "Every delivery to {url} failed for 5 days, so it was disabled. Fix the "
        "endpoint, turn the webhook on again and redeliver what it missed."
    ),
    "gone": _(
        "The endpoint {url} answered 410 Gone, which asks us to stop. Turn the "
        "webhook on again if that was a mistake."
    ),
}


def add_notice(
    session: AsyncSession, *, webhook: Webhook, kind: str, reason: str, **params: Any
) -> StoreNotice:
    """Record a notice about ``webhook`` for its store's owner."""
    notice = StoreNotice(
        store_id=webhook.store_id,
        webhook_id=webhook.id,
        kind=kind,
        params={"name": webhook.name, "url": webhook.url, "reason": reason, **params},
        created_at=utcnow(),
    )
    session.add(notice)
    return notice


def notice_text(notice: StoreNotice, language: str) -> tuple[str, str]:
    """Return a notice's subject and explanation in ``language``.

    The parameters come from the store (a webhook's name and URL), so line
    breaks and other control characters are made spaces: a subject must be
    one line.
    """
    params = {key: one_line(str(value)) for key, value in notice.params.items()}
    subject = translate(language, SUBJECTS[notice.kind], **params)
    reason = translate(language, REASONS[params["reason"]], **params)
    return subject, reason


@dataclass(frozen=True)
class Mailer:
    """Sends mail through the SMTP server of ``TJAR_SMTP_URL``."""

    url: str
    sender: str
    timeout: float = 10.0

    async def send(self, to: list[str], subject: str, text: str) -> None:
        parts = urlsplit(self.url)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(to)
        message["Subject"] = subject
        message.set_content(text)
        await aiosmtplib.send(
            message,
            hostname=parts.hostname or "localhost",
            port=parts.port or 25,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=parts.scheme == "smtps",
            start_tls=None if parts.scheme == "smtps" else False,
            timeout=self.timeout,
        )


async def send_notice_mails(
    sessions: async_sessionmaker[AsyncSession],
    mailer: Mailer | None,
    *,
    limit: int = 20,
) -> int:
    """Mail the owners of stores with unsent notices; return how many were sent."""
    sent = 0
    async with platform_session(sessions) as session:
        notices = list(
            await session.scalars(
                select(StoreNotice)
                .where(StoreNotice.email_status == "pending")
                .order_by(StoreNotice.id)
                .limit(limit)
            )
        )
        for notice in notices:
            sent += await _mail(session, mailer, notice)
        await session.commit()
    return sent


async def _mail(
    session: AsyncSession, mailer: Mailer | None, notice: StoreNotice
) -> int:
    owners = list(
        await session.scalars(
            select(StoreUser.email).where(
                StoreUser.store_id == notice.store_id, StoreUser.role == "owner"
            )
        )
    )
    if mailer is None or not owners:
        notice.email_status = "skipped"
        return 0
    store = await session.get(Store, notice.store_id)
    language = store.default_language if store else "ar"
    subject, reason = notice_text(notice, language)
    try:
        await mailer.send(owners, subject, reason)
    except ValueError as error:
        # The message itself cannot be sent (a malformed address): final.
        log.warning("notice.mail_refused", notice_id=notice.id, error=str(error))
        notice.email_status = "failed"
        return 0
    except (aiosmtplib.SMTPException, OSError) as error:
        log.warning("notice.mail_failed", notice_id=notice.id, error=str(error))
        if notice.created_at + GIVE_UP_AFTER <= utcnow():
            notice.email_status = "failed"
        return 0
    notice.email_status = "sent"
    notice.emailed_at = utcnow()
    log.info("notice.mailed", notice_id=notice.id, store_id=notice.store_id)
    return 1

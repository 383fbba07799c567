"""Store users: owners, admins and staff who sign in to the dashboard."""

import re
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.db.models import StoreUser
from tjar.domain.text import has_unsafe_characters
from tjar.errors import Conflict, NotFound, ValidationFailed
from tjar.i18n import _

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    role: Role,
    password: str | None,
    name: str = "",
) -> StoreUser:
    """Add a user to the session's store; the password is kept as an argon2 hash."""
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email) or has_unsafe_characters(email):
        raise ValidationFailed.single("email", _("Enter a valid email address."))
    if password is not None:
        _check_password(password)
    if await session.scalar(select(StoreUser.id).where(StoreUser.email == email)):
        raise Conflict("user_exists")

    user = StoreUser(
        email=email,
        role=role.value,
        name=name,
        password_hash=hash_password(password) if password else None,
    )
    # Of two adds of one email at once, the unique index lets one through.
    try:
        async with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise Conflict("user_exists") from None
    return user


MAX_PASSWORD = 1024


def _check_password(password: str) -> None:
    if not 8 <= len(password) <= MAX_PASSWORD:
        raise ValidationFailed.single(
            "password",
            _("Use between {min} and {max} characters."),
            min=8,
            max=MAX_PASSWORD,
        )


# Checked against when no user has the email, so both answers take as long.
_NOBODY = _hasher.hash("not a password of anyone")


async def authenticate_user(
    session: AsyncSession, *, email: str, password: str
) -> StoreUser | None:
    """Return the session's store's user with these credentials, or None."""
    email = email.strip().lower()
    # Such an email was never accepted, and PostgreSQL cannot even compare NUL.
    unusable = len(email) > 254 or has_unsafe_characters(email)
    user = None
    if not unusable:
        user = await session.scalar(select(StoreUser).where(StoreUser.email == email))
    if user is None or not user.password_hash:
        verify_password(_NOBODY, password)
        return None
    return user if verify_password(user.password_hash, password) else None


async def list_users(session: AsyncSession) -> list[StoreUser]:
    """List the session's store's users, oldest first."""
    return list(await session.scalars(select(StoreUser).order_by(StoreUser.id)))


async def set_password(session: AsyncSession, *, email: str, password: str) -> None:
    """Give the session's store's user ``email`` a new password."""
    _check_password(password)
    user = await session.scalar(
        select(StoreUser).where(StoreUser.email == email.strip().lower())
    )
    if user is None:
        raise NotFound("user_not_found")
    user.password_hash = hash_password(password)
    await session.flush()

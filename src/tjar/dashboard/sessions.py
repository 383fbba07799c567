"""Dashboard sign-in sessions, kept in a signed cookie, and CSRF tokens.

The cookie holds the user's id, a random CSRF token and when it was signed;
a session ends ``MAX_AGE`` after sign-in, or when the user signs out (every
cookie signed before ``StoreUser.signed_out_at`` is refused);
it is ``HttpOnly``, ``SameSite=Lax`` and, in production, ``Secure``. The
signature (HMAC with ``TJAR_SECRET_KEY``) makes it unforgeable, and it is
refused once older than ``MAX_AGE``. Every form carries the token, and every
POST is refused unless the form's token matches the cookie's.
"""

import hmac
import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from tjar.clock import utcnow

COOKIE = "tjar_dashboard"
MAX_AGE = 12 * 60 * 60
CSRF_FIELD = "csrf_token"


@dataclass
class DashboardSession:
    user_id: int | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # When the cookie was signed, to the microsecond (compared with a
    # sign-out); None for a session made by this request.
    issued_at: float | None = None

    @property
    def fresh(self) -> bool:
        return self.issued_at is None


class SessionCookies:
    def __init__(self, secret_key: str, *, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="tjar.dashboard")
        self._secure = secure

    def load(self, request: Request) -> DashboardSession:
        """Read the request's session, or start an empty one."""
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self._serializer.loads(raw, max_age=MAX_AGE)
            except BadSignature:
                data = None
            if (
                isinstance(data, dict)
                and isinstance(data.get("csrf"), str)
                and type(data.get("at")) is float
            ):
                user_id = data.get("user_id")
                valid_id = type(user_id) is int and 0 < user_id <= 2**31 - 1
                return DashboardSession(
                    user_id=user_id if valid_id else None,
                    csrf=data["csrf"],
                    issued_at=data["at"],
                )
        return DashboardSession()

    def save(self, response: Response, session: DashboardSession) -> None:
        """Set the cookie of a session made by this request.

        A session read from its cookie is not signed again, so it still ends
        ``MAX_AGE`` after sign-in however busy it is.
        """
        if not session.fresh:
            return
        value = self._serializer.dumps(
            {
                "user_id": session.user_id,
                "csrf": session.csrf,
                "at": utcnow().timestamp(),
            }
        )
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE,
            path="/dashboard",
            httponly=True,
            samesite="lax",
            secure=self._secure,
        )


def csrf_matches(session: DashboardSession, submitted: object) -> bool:
    """Tell whether a form's token is the session's."""
    return isinstance(submitted, str) and hmac.compare_digest(
        submitted.encode(), session.csrf.encode()
    )

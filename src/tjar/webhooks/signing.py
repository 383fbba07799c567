"""Standard Webhooks signatures: secrets, signing, and checking a pasted request.

A signature is ``v1,`` and the base64 HMAC-SHA256, keyed with the secret's
decoded bytes, of ``{webhook-id}.{webhook-timestamp}.{body}``.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

PREFIX = "whsec_"
_UNIX_SECONDS = re.compile(r"(0|[1-9][0-9]{0,11})")
TOLERANCE = timedelta(minutes=5)


def new_secret() -> str:
    """Make a secret: ``whsec_`` and 32 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Sign one attempt: ``v1,<base64>``."""
    signed = b"%s.%d.%s" % (message_id.encode(), timestamp, body)
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(
    secrets_: list[str], message_id: str, timestamp: int, body: bytes
) -> str:
    """Build ``webhook-signature``: one signature per secret, space separated."""
    return " ".join(signature(s, message_id, timestamp, body) for s in secrets_)


def check(
    secrets_: list[str],
    *,
    message_id: str | None,
    timestamp: str | None,
    header: str | None,
    body: bytes,
    now: datetime,
) -> str | None:
    """Return why a request does not verify, or None when it does.

    The reasons are the contract's: ``missing_header``,
    ``timestamp_out_of_tolerance`` and ``bad_signature``.
    """
    if not message_id or not timestamp or not header:
        return "missing_header"
    # Unix seconds exactly as signed: ASCII digits, no sign, no padding.
    if not _UNIX_SECONDS.fullmatch(timestamp):
        return "timestamp_out_of_tolerance"
    sent_at = int(timestamp)
    if abs(now.timestamp() - sent_at) > TOLERANCE.total_seconds():
        return "timestamp_out_of_tolerance"
    offered = [part.encode() for part in header.split(" ") if part]
    for secret in secrets_:
        expected = signature(secret, message_id, sent_at, body).encode()
        if any(hmac.compare_digest(expected, given) for given in offered):
            return None
    return "bad_signature"

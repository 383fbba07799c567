"""Encryption of secrets the platform must read again (webhook signing secrets).

Keys shown once are stored as digests; a signing secret cannot be, because
every delivery is signed with it. It is kept encrypted (Fernet: AES-128-CBC
with an HMAC) under a key derived from ``TJAR_SECRET_KEY``, so a copy of the
database alone does not reveal it.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

_CONTEXT = b"tjar/vault/v1"


class Vault:
    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(_CONTEXT + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, value: bytes) -> bytes:
        return self._fernet.encrypt(value)

    def open(self, token: bytes) -> bytes:
        """Decrypt ``token``; raises ``VaultError`` when the key does not fit."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise VaultError("sealed with another TJAR_SECRET_KEY") from None

    def seal_text(self, value: str) -> str:
        return self.seal(value.encode()).decode()

    def open_text(self, token: str) -> str:
        return self.open(token.encode()).decode()


class VaultError(RuntimeError):
    """A sealed value that the current platform key cannot open."""

"""Secrets kept in the database sealed with the app's key (AES-GCM): the one-time passwords of
the staff slips, an office mailbox's password. Each use has its own key, derived from
SECRET_KEY and the use's name, and binds the sealed bytes to what they belong to (`aad`), so a
sealed value copied to another row does not open. A changed SECRET_KEY leaves them unreadable
(`Unreadable`): the password is entered again."""

from __future__ import annotations

import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app


class Unreadable(Exception):
    """Sealed under another key (SECRET_KEY changed), or not for this row."""


class Sealer:
    def __init__(self, use: bytes):
        self.use = use

    def _key(self) -> bytes:
        secret = current_app.config["SECRET_KEY"].encode()
        return hashlib.sha256(self.use + b"\0" + secret).digest()

    def seal(self, data: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + AESGCM(self._key()).encrypt(nonce, data, aad)

    def unseal(self, blob: bytes, aad: bytes) -> bytes:
        try:
            return AESGCM(self._key()).decrypt(blob[:12], blob[12:], aad)
        except (InvalidTag, ValueError):
            raise Unreadable from None

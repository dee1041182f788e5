"""The server's data key: encryption at rest for what people write, and keyed digests.

A dump or backup of the database alone must reveal no reflection and link no
anonymous answer to a person, so the key lives outside the database
(`CCPL_DATA_KEY`). Text is sealed with AES-GCM; each sealed value names the key
that sealed it, so a rotation can re-seal under a new key while old values stay
readable. Digests (forgotten people, anonymous ballots) are HMAC-SHA256 under
the same key, so knowing a person's id is not enough to recompute them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
_PREFIX = "v1"


class BadKey(ValueError):
    """A key that is not 32 random bytes in URL-safe base64; the message says how to fix it."""


class Unreadable(ValueError):
    """A sealed value no known key opens: tampered, truncated, or sealed under a lost key."""


@dataclass(frozen=True, slots=True)
class DataKey:
    """One 32-byte key; never printed, so it cannot reach a log by accident."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise BadKey(f"a data key is {KEY_BYTES} bytes")

    @classmethod
    def generate(cls) -> DataKey:
        return cls(secret=os.urandom(KEY_BYTES))

    @classmethod
    def from_text(cls, text: str) -> DataKey:
        """Read a key as `ccpl-bot keys new` prints it."""
        try:
            secret = base64.urlsafe_b64decode(_padded(text.strip()).encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise BadKey("it is not URL-safe base64; make one with `ccpl-bot keys new`") from None
        if len(secret) != KEY_BYTES:
            raise BadKey(
                f"it decodes to {len(secret)} bytes, not {KEY_BYTES}; "
                "make one with `ccpl-bot keys new`"
            )
        return cls(secret=secret)

    def text(self) -> str:
        return base64.urlsafe_b64encode(self.secret).decode("ascii").rstrip("=")

    @property
    def key_id(self) -> str:
        """A short public name for the key, stored beside what it sealed."""
        return hashlib.sha256(b"ccpl-bot key id\x00" + self.secret).hexdigest()[:8]

    def seal(self, plain: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._cipher_key()).encrypt(nonce, plain.encode("utf-8"), None)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{_PREFIX}:{self.key_id}:{body}"

    def open(self, token: str) -> str:
        _, _, body = token.split(":", 2)
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            return AESGCM(self._cipher_key()).decrypt(nonce, sealed, None).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise Unreadable("a sealed value did not open") from None

    def digest(self, data: str, *, purpose: str) -> str:
        """A keyed digest; `purpose` keeps digests made for different uses apart."""
        message = purpose.encode("utf-8") + b"\x00" + data.encode("utf-8")
        return hmac.new(self._mac_key(), message, hashlib.sha256).hexdigest()

    def _cipher_key(self) -> bytes:
        return hashlib.sha256(b"ccpl-bot seal\x00" + self.secret).digest()

    def _mac_key(self) -> bytes:
        return hashlib.sha256(b"ccpl-bot digest\x00" + self.secret).digest()


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)


@dataclass(slots=True)
class Keyring:
    """The key that seals now, and older keys that may still open values (during a rotation)."""

    current: DataKey | None = None
    older: tuple[DataKey, ...] = ()

    def use(self, current: DataKey, *, older: Iterable[DataKey] = ()) -> None:
        self.current = current
        self.older = tuple(older)

    def key(self) -> DataKey:
        if self.current is None:
            raise RuntimeError("no data key is loaded (CCPL_DATA_KEY)")
        return self.current

    def seal(self, plain: str) -> str:
        return self.key().seal(plain)

    def open(self, token: str) -> str:
        if not is_sealed(token):
            raise Unreadable("not a sealed value")
        key_id = token.split(":", 2)[1]
        for key in (self.key(), *self.older):
            if key.key_id == key_id:
                return key.open(token)
        raise Unreadable(f"sealed under key {key_id}, which is not loaded")

    def digest(self, data: str, *, purpose: str) -> str:
        return self.key().digest(data, purpose=purpose)


def is_sealed(value: str) -> bool:
    parts = value.split(":", 2)
    return len(parts) == 3 and parts[0] == _PREFIX and len(parts[1]) == 8


KEYRING = Keyring()
"""The process's keys, loaded once at start-up (settings, or the console's key file)."""

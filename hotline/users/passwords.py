"""Password hashing with argon2id (argon2-cffi); generated passwords; the minimum a password must be."""

from __future__ import annotations

import contextlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hotline.users.errors import WeakPassword

# Module attribute, looked up on every call: tests swap in cheaper parameters. Changing the parameters
# here makes every stored hash be rehashed at its user's next successful login.
HASHER = PasswordHasher()

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 hashes anything, but a megabyte "password" is a denial of service
GENERATED_BYTES = 12  # 16 URL-safe characters, 96 bits


def generate_password() -> str:
    """A new random password (16 URL-safe characters)."""
    return secrets.token_urlsafe(GENERATED_BYTES)


def check_strength(password: str, username: str = "") -> None:
    """Raise WeakPassword unless `password` may be set."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_LENGTH} characters")
    if username and password.strip().lower() == username.lower():
        raise WeakPassword("the password must not be the username")


def hash_password(password: str) -> str:
    """The argon2id hash of `password` with the current parameters."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """(matches, new hash): the new hash is set when the password matched but its hash was made with
    other parameters than the current ones and should be replaced."""
    hasher = HASHER
    try:
        hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):  # a mismatch, or a hash argon2 cannot read: no match
        return False, None
    if hasher.check_needs_rehash(password_hash):
        return True, hasher.hash(password)
    return True, None


_dummy_hash: dict[PasswordHasher, str] = {}


def burn_verify(password: str) -> None:
    """Spend the time of one verification, so an unknown username answers as slowly as a wrong
    password (no user enumeration by timing)."""
    hasher = HASHER
    if hasher not in _dummy_hash:
        _dummy_hash[hasher] = hasher.hash(secrets.token_urlsafe(GENERATED_BYTES))
    with contextlib.suppress(VerificationError):
        hasher.verify(_dummy_hash[hasher], password)

"""Password hashing with Argon2id (docs/engineering.md §7: Werkzeug's scrypt default is below current guidance)."""

from __future__ import annotations

import os
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# "default": argon2-cffi's own choice (RFC 9106, low memory: 64 MiB, 3 passes), for real use.
# "cheapest": the library's profile for tests, a thousand times cheaper; production refuses it
# (kpi.config). A hash records its parameters, so either profile verifies the other's hashes.
PROFILES = {"default": PasswordHasher(), "cheapest": PasswordHasher.from_parameters(profiles.CHEAPEST)}
MIN_LENGTH = 8


def configure(profile: str) -> None:
    """Hash new passwords with ``profile`` (create_app calls it with KPI_PASSWORD_PROFILE)."""
    global _hasher, _dummy_hash
    _hasher = PROFILES[profile]
    # Checked against when there is no real hash to check (an unknown name), so that every login
    # attempt costs one Argon2 verification: timing does not tell which names exist (docs/engineering.md §7).
    # Made with the same parameters as every new hash.
    _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))


_hasher: PasswordHasher
_dummy_hash: str
configure(os.environ.get("KPI_PASSWORD_PROFILE", "default").strip() or "default")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_or_dummy(password_hash: str | None, password: str) -> bool:
    """verify_password, or the same work against a hash nobody's password matches."""
    matches = verify_password(password_hash or _dummy_hash, password)
    return matches and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is too weak (Chinese), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位"
    if len(password) > 128:
        return "密码不能超过 128 位"
    classes = sum(
        any(test(ch) for ch in password)
        for test in (str.isdigit, str.islower, str.isupper, lambda ch: not ch.isalnum())
    )
    if classes < 3:
        return "密码需包含大写字母、小写字母、数字、符号中的至少三类"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    return None

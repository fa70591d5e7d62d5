"""Password hashing with argon2id (argon2-cffi).

Parameters come from ``PASSWORD_HASH`` in the config; the default is RFC 9106's
second recommended option, well above OWASP ASVS's minimum. A hash made with
older parameters is replaced on the next successful login.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

MIN_LENGTH = 10


def hasher_for(app: Flask) -> PasswordHasher:
    hasher = app.extensions.get("elearn_hasher")
    if hasher is None:
        hasher = PasswordHasher(type=Type.ID, **app.config["PASSWORD_HASH"])
        app.extensions["elearn_hasher"] = hasher
        # Verified against when the email is unknown, so both answers take as long.
        app.extensions["elearn_dummy_hash"] = hasher.hash("no such account")
    return hasher


def hash_password(password: str) -> str:
    return hasher_for(current_app).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown email) spend the same time and say no."""
    hasher = hasher_for(current_app)
    try:
        matched = hasher.verify(password_hash or current_app.extensions["elearn_dummy_hash"], password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return hasher_for(current_app).check_needs_rehash(password_hash)

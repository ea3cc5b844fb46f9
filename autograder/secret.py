"""The course secret: it seeds the hidden suite, so students cannot know the hidden inputs.

Looked up in this order: the environment variable ``DLGRADE_SECRET``; the file named by
``DLGRADE_SECRET_FILE``; ``~/.config/dlgrade/secret``, created with a random token on first use.
None of these is inside ``assignments/``. Re-grading with the same secret gives the same inputs,
so the same scores.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

DEFAULT_FILE = Path.home() / ".config" / "dlgrade" / "secret"


class SecretUnavailable(Exception):
    """The course secret cannot be read (a file named but missing, empty or unreadable): grading with
    another secret would draw other hidden inputs, so nothing is graded."""


def course_secret() -> str:
    if os.environ.get("DLGRADE_SECRET"):
        return os.environ["DLGRADE_SECRET"]
    named = os.environ.get("DLGRADE_SECRET_FILE")
    path = Path(named or DEFAULT_FILE)
    if named and not path.is_file():
        # Never made up: a mistyped path would otherwise grade with a new secret, other hidden inputs.
        problem = "is not a file" if path.exists() else "does not exist"
        raise SecretUnavailable(f"the course secret file {path} (DLGRADE_SECRET_FILE) {problem}")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written once, readable by its owner only; a race between two graders keeps the first.
        try:
            with open(path, "x", encoding="utf-8") as handle:
                os.chmod(path, 0o600)
                handle.write(secrets.token_hex(32) + "\n")
        except FileExistsError:
            pass
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise SecretUnavailable(f"the course secret file {path} cannot be read: {reason}") from None
    if not secret:
        raise SecretUnavailable(f"the course secret file {path} is empty")
    return secret


def seed_for(exercise_id: str, suite: str) -> int:
    """A 64-bit seed from the exercise id; the hidden suite's also depends on the course secret."""
    salt = "public" if suite == "visible" else course_secret()
    digest = hashlib.sha256(f"{salt}:{suite}:{exercise_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little")

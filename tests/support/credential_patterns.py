"""What counts as a leaked credential in the suite's output.

Flagged: a secret access key (40 base64 characters of mixed case) next to an access key id, a
value assigned to a secret-key or session-token name, and an STS session token by its fixed
prefix. Not flagged: access key ids alone (CloudTrail records them; they are not secret),
account ids, hex digests, and the suite's placeholder credentials ("testing", "sgc-local").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
ASSIGNED = re.compile(
    r"(?i)(aws_?secret_?access_?key|secret_?access_?key|aws_?session_?token|session_?token"
    r"|security_?token)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{16,})"
)
# STS session tokens start with a fixed, base64-encoded header (moto's too).
SESSION_TOKEN = re.compile(r"(?:FQoGZXIvYXdzE|FwoGZXIvYXdzE|IQoJb3JpZ2luX2Vj)[A-Za-z0-9/+=]{20,}")
NEIGHBOURHOOD = 200
MAX_FILE_BYTES = 5 * 1024 * 1024


def leaks(text: str) -> list[str]:
    """Each credential found in `text`, masked."""
    found = [f"session token {_masked(m.group())}" for m in SESSION_TOKEN.finditer(text)]
    found += [f"{m.group(1)} = {_masked(m.group(2))}" for m in ASSIGNED.finditer(text)]
    for key in ACCESS_KEY_ID.finditer(text):
        start, end = max(0, key.start() - NEIGHBOURHOOD), key.end() + NEIGHBOURHOOD
        secrets = [
            s.group() for s in SECRET_KEY.finditer(text, start, end) if _secret_like(s.group())
        ]
        found += [f"secret key {_masked(s)} beside {key.group()}" for s in secrets]
    return found


def file_leaks(directory: Path) -> Iterator[str]:
    """Each credential found in the files under `directory`, with the file's name."""
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_FILE_BYTES:
            text = path.read_bytes().decode("utf-8", errors="replace")
            yield from (f"{path.name}: {leak}" for leak in leaks(text))


def _secret_like(value: str) -> bool:
    # A secret key is random base64: both cases and a digit or symbol; a hex digest is not.
    has_symbol_or_digit = any(c.isdigit() or c in "/+" for c in value)
    return (
        any(c.islower() for c in value) and any(c.isupper() for c in value) and has_symbol_or_digit
    )


def _masked(value: str) -> str:
    return f"{value[:4]}...({len(value)} characters)"

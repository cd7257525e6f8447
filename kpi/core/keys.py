"""Keys for one purpose each, derived from one secret.

HMAC-SHA256 of the purpose's name under the secret: knowing one derived key (say, the
backups') tells nothing about the secret or about another purpose's key.
"""

from __future__ import annotations

import hashlib
import hmac


def derived_key(secret: str, purpose: str) -> bytes:
    """The 32-byte key for ``purpose`` ("audit", "backup" …) under ``secret``."""
    return hmac.new(secret.encode(), b"kpi-key:" + purpose.encode(), hashlib.sha256).digest()

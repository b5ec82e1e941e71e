"""Webhook signing of the Parcel sample product (an artifact linked from the design documents)."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """Return the ``Parcel-Signature`` header value for one delivery."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret, message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """Check a signature header the way merchants are told to."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)

"""Public Tracking API handlers of the Parcel sample product.

A sample artifact that the design documents link to; tracegraph never imports or runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrackingEvent:
    shipment_id: str
    status: str
    occurred_at: datetime
    location: str | None = None


def get_tracking(shipment_id: str, events: list[TrackingEvent]) -> dict[str, object]:
    """Return the public timeline of one shipment, newest event first."""
    timeline = sorted(
        (e for e in events if e.shipment_id == shipment_id),
        key=lambda e: e.occurred_at,
        reverse=True,
    )
    return {
        "shipment_id": shipment_id,
        "status": timeline[0].status if timeline else None,
        "events": [
            {
                "status": e.status,
                "occurred_at": e.occurred_at.isoformat(),
                "location": e.location,
            }
            for e in timeline
        ],
    }

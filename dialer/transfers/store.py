"""The transfer legs' rows (dialer/db/models/transfers.py): the machine's `RecordLeg`
effects kept, one row per leg, its status current; an attempt's legs for its views."""

from __future__ import annotations

import datetime as dt

from ..db.listing import iso
from ..db.models import TransferLeg
from .events import RecordLeg, ToAgent


def record_leg(effect: RecordLeg, now: dt.datetime) -> None:
    """The leg's row made on its first record, its status updated on the next ones."""
    updated = (TransferLeg.update(status=effect.status, updated_at=now)
               .where((TransferLeg.attempt == effect.attempt_id)
                      & (TransferLeg.leg_no == effect.leg_no)).execute())
    if updated:
        return
    target = effect.target
    to_agent = target.agent_id if isinstance(target, ToAgent) else None
    TransferLeg.insert(
        attempt=effect.attempt_id, leg_no=effect.leg_no, mode=effect.mode.value,
        by_agent=effect.by, to_agent=to_agent,
        to_group=target.group_id if isinstance(target, ToAgent) else None,
        to_number=None if isinstance(target, ToAgent) else target.number,
        status=effect.status, started_at=now, updated_at=now).execute()


def legs_of(attempt_id: int) -> list[dict]:
    """The attempt's legs, in order, as the API shows them."""
    rows = TransferLeg.select().where(TransferLeg.attempt == attempt_id).order_by(
        TransferLeg.leg_no)
    return [{"leg": r.leg_no, "mode": r.mode, "status": r.status, "by_agent_id": r.by_agent_id,
             "to_agent_id": r.to_agent_id, "to_group_id": r.to_group_id,
             "to_number": r.to_number, "started_at": iso(r.started_at),
             "updated_at": iso(r.updated_at)} for r in rows]

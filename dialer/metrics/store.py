"""The campaigns' abandonment for `/metrics`: one read per scrape, of the campaigns that
may dial (running or suspended), over today (the account's zone) and the campaign's
rolling window, as the wallboard counts it (dialer/floor/store.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..db.models import Account, Campaign
from ..db.rows import tuples
from ..floor.store import WINDOWS, day_start
from ..outbound.store import abandonment_since


@dataclass(frozen=True)
class Abandonment:
    campaign_id: int
    account_id: int
    abandoned_today: int
    humans_today: int
    abandoned_window: int
    humans_window: int
    limit_percent: float


def campaign_abandonment(now: dt.datetime) -> tuple[Abandonment, ...]:
    rows = tuples(Campaign.select(Campaign.id, Campaign.account, Account.timezone,
                                  Campaign.abandon_window, Campaign.abandon_target_percent)
                  .join(Account).where(Campaign.status.in_(("running", "suspended")))
                  .order_by(Campaign.id))
    return tuple(Abandonment(campaign_id, account_id,
                             *abandonment_since(campaign_id, day_start(zone, now)),
                             *abandonment_since(campaign_id, now - WINDOWS[window]), limit)
                 for campaign_id, account_id, zone, window, limit in rows)

"""The campaigns' abandonment for `/metrics`: one read per scrape, of the campaigns that
may dial (running or suspended), over today (the account's zone) and the campaign's
rolling window, as the wallboard counts it (dialer/floor/store.py), with the people its AMD
is estimated to have hung up on as machines (dialer.amd.abandonment)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..amd.store import abandonment_with_amd
from ..db.models import Account, Campaign
from ..db.rows import tuples
from ..floor.store import WINDOWS, day_start


@dataclass(frozen=True)
class Abandonment:
    campaign_id: int
    account_id: int
    abandoned_today: int
    humans_today: int
    abandoned_window: int
    humans_window: int
    limit_percent: float
    amd_false_positives_today: float = 0.0   # estimated, not in abandoned_* / humans_*
    amd_false_positives_window: float = 0.0


def campaign_abandonment(now: dt.datetime) -> tuple[Abandonment, ...]:
    rows = tuples(Campaign.select(Campaign.id, Campaign.account, Account.timezone,
                                  Campaign.abandon_window, Campaign.abandon_target_percent)
                  .join(Account).where(Campaign.status.in_(("running", "suspended")))
                  .order_by(Campaign.id))
    found = []
    for campaign_id, account_id, zone, window, limit in rows:
        today = abandonment_with_amd(campaign_id, day_start(zone, now))
        rolling = abandonment_with_amd(campaign_id, now - WINDOWS[window])
        found.append(Abandonment(campaign_id, account_id, today.abandoned, today.humans,
                                 rolling.abandoned, rolling.humans, limit,
                                 today.amd_false_positives, rolling.amd_false_positives))
    return tuple(found)

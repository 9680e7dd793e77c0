"""Reads for the abandonment with AMD's estimated false positives (dialer.amd.abandonment):
one transaction through `Store.run`/`Store.read`, plain values back."""

from __future__ import annotations

import datetime as dt
import functools

import peewee as pw

from ..db.models import Attempt, Campaign
from ..db.rows import tuples
from .abandonment import AbandonmentWithAmd, DetectorEvaluation, shipped_evaluation, with_amd_estimate


@functools.cache
def evaluation() -> DetectorEvaluation:
    """The detectors' shipped evaluation figures, read once per process."""
    return shipped_evaluation()


def false_positive_shares(campaign_id: int) -> dict[str, float]:
    """Each detector's false-positive share as the campaign uses it (its machine threshold)."""
    threshold = (Campaign.select(Campaign.amd_machine_threshold)
                 .where(Campaign.id == campaign_id).scalar())
    figures = evaluation()
    return {d: figures.share(d, threshold) for d in ("app_amd", "classifier")}


def abandonment_with_amd(campaign_id: int, since: dt.datetime) -> AbandonmentWithAmd:
    """Abandoned and humans answered of the campaign's attempts started since `since`, and
    the people its detectors are estimated to have hung up on as machines."""
    counts = tuples(
        Attempt.select(Attempt.outcome, Attempt.amd_detector, pw.fn.COUNT(pw.SQL("*")))
        .where((Attempt.campaign == campaign_id) & (Attempt.started_at >= since)
               & Attempt.outcome.in_(("human", "abandoned", "machine")))
        .group_by(Attempt.outcome, Attempt.amd_detector))
    per_outcome: dict[str, int] = {}
    hung_up: dict[str, int] = {}
    for outcome, detector, n in counts:
        per_outcome[outcome] = per_outcome.get(outcome, 0) + n
        if outcome == "machine" and detector is not None:
            hung_up[detector] = hung_up.get(detector, 0) + n
    abandoned = per_outcome.get("abandoned", 0)
    return with_amd_estimate(abandoned, per_outcome.get("human", 0) + abandoned, hung_up,
                             false_positive_shares(campaign_id))

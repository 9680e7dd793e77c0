"""Issue 20: people hung up on as machines, estimated from the detector's measured false
positives, counted as abandoned calls (dialer/amd/abandonment.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dialer.amd.store import abandonment_with_amd, evaluation
from dialer.db.models import Account, Attempt, Campaign, Contact, ServicePlan
from dialer.amd.abandonment import (AbandonmentWithAmd, DetectorEvaluation, FalsePositives,
                                    shipped_evaluation, with_amd_estimate)

FIGURES = DetectorEvaluation.from_json(json.dumps({
    "app_amd": {"called_machine": 200, "humans": 50},
    "classifier": {"0.9": {"called_machine": 100, "humans": 2},
                   "0.5": {"called_machine": 160, "humans": 40},
                   "0.8": {"called_machine": 120, "humans": 6}}}))


def test_share_is_humans_among_the_calls_called_machines():
    assert FalsePositives(200, 50).share == 0.25
    assert FalsePositives(0, 0).share == 0.0  # never called a machine: nobody hung up on


def test_the_classifiers_share_at_the_threshold_or_the_next_one_below():
    assert FIGURES.share("app_amd") == 0.25
    assert FIGURES.share("classifier") == 0.02  # None: the shipped 0.95, not here: 0.9's
    assert FIGURES.share("classifier", 0.9) == 0.02
    assert FIGURES.share("classifier", 0.95) == 0.02
    assert FIGURES.share("classifier", 0.85) == 0.05  # not evaluated: 0.8's, more cautious
    assert FIGURES.share("classifier", 0.5) == 0.25
    assert FIGURES.share("classifier", 0.3) == 0.25  # below every evaluated one: the lowest
    with pytest.raises(ValueError):
        FIGURES.share("guesswork")


def test_the_estimate_is_machines_decided_times_the_share_per_detector():
    a = with_amd_estimate(abandoned=3, humans=200, hung_up_as_machine={"app_amd": 40, "classifier": 100},
                          shares={"app_amd": 0.25, "classifier": 0.02})
    assert a == AbandonmentWithAmd(3, 200, 12.0)
    assert (a.total_abandoned, a.total_humans) == (15.0, 212.0)
    assert a.percent == pytest.approx(100 * 15 / 212)
    # the measured 1.5% is within 3%; with the people AMD hung up on it is over 7%
    assert 100 * 3 / 200 < 3 < a.percent


def test_nothing_decided_nothing_added_and_no_people_no_percent():
    assert with_amd_estimate(2, 100, {}, {"app_amd": 0.25}).percent == 2.0
    assert with_amd_estimate(0, 0, {"app_amd": 0}, {"app_amd": 0.25}).percent is None
    assert with_amd_estimate(0, 0, {"app_amd": 4}, {"app_amd": 0.25}).percent == 100.0
    assert with_amd_estimate(0, 10, {"unknown": 4}, {"app_amd": 0.25}).amd_false_positives == 0


def test_the_shipped_figures_cover_both_detectors():
    shipped = shipped_evaluation()
    assert 0 < shipped.share("app_amd") < 1
    thresholds = [t for t, _ in shipped.classifier]
    assert thresholds == sorted(thresholds) and 0.9 in thresholds
    assert all(0 <= fp.humans <= fp.called_machine for _, fp in shipped.classifier)


def test_a_campaigns_window_counts_each_detectors_machines(db):
    """What pacing, the wallboard and /metrics read: measured abandonment since a time, and
    the machines each detector ended, times its share at the campaign's threshold."""
    plan = ServicePlan.create(name="base")
    account = Account.create(name="a", company_number="+12125550100", plan=plan)
    campaign = Campaign.create(account=account, name="spring", amd_machine_threshold=0.95)
    contact = Contact.create(account=account, name="c")
    since = dt.datetime(2026, 3, 1, 12)
    calls = [("human", None), ("human", "classifier"), ("abandoned", "app_amd"),
             ("machine", "classifier"), ("machine", "classifier"), ("machine", "app_amd"),
             ("machine", None),  # no detector decided (AMD off): nobody to estimate
             ("busy", None)]
    for n, (outcome, detector) in enumerate(calls):
        Attempt.create(campaign=campaign, contact=contact, phone="+12125550101",
                       channel_id=f"c-{n}", started_at=since + dt.timedelta(minutes=n),
                       outcome=outcome, amd_detector=detector)
    Attempt.create(campaign=campaign, contact=contact, phone="+12125550101", channel_id="old",
                   started_at=since - dt.timedelta(minutes=1), outcome="machine",
                   amd_detector="app_amd")  # before the window
    figures = evaluation()
    found = abandonment_with_amd(campaign.id, since)
    assert (found.abandoned, found.humans) == (1, 3)
    assert found.amd_false_positives == pytest.approx(
        2 * figures.share("classifier", 0.95) + figures.share("app_amd"))

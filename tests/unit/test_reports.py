"""The reports' pure parts (dialer/reports): local hours across DST changes, an agent's
session log spread over hours and days, campaigns per hour, dispositions, the CSV files and
the charts; hypothesis checks that the hours add up to the day whatever the log holds."""

from __future__ import annotations

import csv
import itertools
import datetime as dt
import io
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from dialer.agents.machine import AgentState as S
from dialer.agents.session_log import Entry
from dialer.reports import charts, tables
from dialer.reports.agents import AgentEntries, AgentFigures, agent_performance, hourly_figures
from dialer.reports.campaigns import AttemptCount, CampaignReport, campaign_hours
from dialer.reports.dispositions import DispositionCount, dispositions
from dialer.reports.periods import period, sum_by_day

NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.timezone.utc
LATER = dt.datetime(2027, 1, 1, tzinfo=UTC)  # "now", after every period below


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0, fold: int = 0
          ) -> dt.datetime:
    """Aware UTC of a New York wall time."""
    wall = dt.datetime.combine(day, dt.time(hour, minute, second, fold=fold), tzinfo=NEW_YORK)
    return wall.astimezone(UTC)


SPRING, FALL, PLAIN = dt.date(2026, 3, 8), dt.date(2026, 11, 1), dt.date(2026, 3, 10)


def test_a_day_when_clocks_go_forward_has_23_hours_and_back_25():
    spring = period(NEW_YORK, SPRING, SPRING)
    assert len(spring.hours) == 23
    assert [h.local_start.hour for h in spring.hours[:4]] == [0, 1, 3, 4]  # no 02:00
    assert spring.hours[1].end - spring.hours[1].start == dt.timedelta(hours=1)
    fall = period(NEW_YORK, FALL, FALL)
    assert len(fall.hours) == 25
    assert [h.label for h in fall.hours[1:3]] == ["2026-11-01 01:00-04:00",
                                                  "2026-11-01 01:00-05:00"]
    assert [len(period(NEW_YORK, d, d).hours) for d in (PLAIN,)] == [24]
    three = period(NEW_YORK, dt.date(2026, 3, 7), dt.date(2026, 3, 9))
    assert len(three.hours) == 24 + 23 + 24 and len(three.days) == 3
    assert all(a.end == b.start for a, b in itertools.pairwise(three.hours))
    # Lord Howe moves its clocks by 30 minutes: a half-hour bucket that day
    howe = period(ZoneInfo("Australia/Lord_Howe"), dt.date(2026, 4, 5), dt.date(2026, 4, 5))
    assert sum((h.end - h.start).total_seconds() for h in howe.hours) == 24.5 * 3600


def _figures(f: AgentFigures) -> tuple:
    return (f.calls, f.talk_seconds, f.wrap_seconds, f.pause_by_reason, f.logged_in_seconds)


MORNING = (  # 2026-03-10, New York (EDT)
    Entry(S.LOGGING_IN, local(PLAIN, 8, 50)),
    Entry(S.AVAILABLE, local(PLAIN, 9, 0)),
    Entry(S.ON_CALL, local(PLAIN, 9, 58), attempt_id=1, campaign_id=5),  # into the 10:00 hour
    Entry(S.WRAP_UP, local(PLAIN, 10, 3), attempt_id=1, campaign_id=5),
    Entry(S.AVAILABLE, local(PLAIN, 10, 4, 30)),
    Entry(S.NOT_READY, local(PLAIN, 12, 0), pause_reason="Lunch"),
    Entry(S.NOT_READY, local(PLAIN, 12, 40)),  # still paused, no reason now
    Entry(S.AVAILABLE, local(PLAIN, 12, 45)),
    Entry(S.ON_CALL, local(PLAIN, 12, 50), attempt_id=2, campaign_id=5),
    Entry(S.AVAILABLE, local(PLAIN, 12, 52)),  # no wrap-up
    Entry(S.LOGGED_OUT, local(PLAIN, 13, 0)),
)


def test_an_agents_morning_by_hour_and_by_day():
    p = period(NEW_YORK, PLAIN, PLAIN)
    report = agent_performance(1, p, [AgentEntries(7, "Ann", MORNING)], LATER)
    ann = report.agents[0]
    hours = {r.bucket.local_start.hour: _figures(r.figures) for r in ann.hours}
    assert hours[8] == (0, 0, 0, {}, 600)
    assert hours[9] == (1, 120, 0, {}, 3600)       # the call began at 09:58
    assert hours[10] == (0, 180, 90, {}, 3600)     # talk to 10:03, wrap-up to 10:04:30
    assert hours[12] == (1, 120, 0, {"Lunch": 2400, "": 300}, 3600)
    assert hours[13] == (0, 0, 0, {}, 0)
    day = ann.days[0].figures
    assert _figures(day) == (2, 420, 90, {"Lunch": 2400, "": 300}, 4 * 3600 + 600)
    assert day.occupancy_percent == round(100 * 510 / (4 * 3600 + 600 - 2700), 1)
    assert ann.total == day and report.pause_reasons == ("", "Lunch")


def test_a_call_under_way_when_the_period_starts_adds_time_not_a_call():
    entries = (Entry(S.ON_CALL, local(PLAIN, 23, 50) - dt.timedelta(days=1), attempt_id=1),
               Entry(S.AVAILABLE, local(PLAIN, 0, 5)))
    f = hourly_figures(entries, period(NEW_YORK, PLAIN, PLAIN).hours, LATER)[0]
    assert (f.calls, f.talk_seconds, f.logged_in_seconds) == (0, 300, 3600)


def test_the_log_is_read_up_to_now_only():
    now = local(PLAIN, 9, 30, 0) + dt.timedelta(microseconds=700)
    hours = hourly_figures(MORNING, period(NEW_YORK, PLAIN, PLAIN).hours, now)
    assert sum(f.logged_in_seconds for f in hours) == 40 * 60
    assert sum(f.calls for f in hours) == 0


def test_the_repeated_hour_of_a_fall_day_holds_its_own_time():
    entries = (Entry(S.AVAILABLE, local(FALL, 0, 30)),
               Entry(S.ON_CALL, local(FALL, 1, 50, fold=0), attempt_id=1),  # EDT
               Entry(S.WRAP_UP, local(FALL, 1, 10, fold=1), attempt_id=1),  # EST, 20 min on
               Entry(S.LOGGED_OUT, local(FALL, 1, 20, fold=1)))
    p = period(NEW_YORK, FALL, FALL)
    hours = hourly_figures(entries, p.hours, LATER)
    assert [_figures(f) for f in hours[1:3]] == [(1, 600, 0, {}, 3600),
                                                 (0, 600, 600, {}, 1200)]
    day = sum_by_day(p, hours, AgentFigures())[0]
    assert (day.talk_seconds, day.wrap_seconds, day.logged_in_seconds) == (1200, 600, 6600)


STATES = [S.LOGGING_IN, S.AVAILABLE, S.NOT_READY, S.PREVIEW, S.DIALLING, S.ON_CALL, S.WRAP_UP,
          S.PHONE_LOST, S.LOGGED_OUT]


@st.composite
def session_days(draw):
    """A few days of a New York agent's entries (a DST change among them), at any
    microsecond, the first one possibly before the period."""
    first = draw(st.sampled_from([SPRING, FALL, PLAIN])) - dt.timedelta(days=1)
    start = local(first, 0)
    offsets = sorted(draw(st.lists(st.integers(-7200, 3 * 86400 * 10**6 // 10**6),
                                   min_size=0, max_size=40)))
    entries = []
    for n, seconds in enumerate(offsets):
        state = draw(st.sampled_from(STATES))
        micro = draw(st.integers(0, 999_999))
        entries.append(Entry(state, start + dt.timedelta(seconds=seconds, microseconds=micro),
                             pause_reason=draw(st.sampled_from([None, "Lunch", "Break"]))
                             if state == S.NOT_READY else None,
                             attempt_id=n if state in (S.ON_CALL, S.WRAP_UP) else None))
    return first, tuple(entries)


@settings(max_examples=150, deadline=None)
@given(session_days())
def test_the_hours_add_up_to_the_days_and_the_days_to_the_period(case):
    first, entries = case
    p = period(NEW_YORK, first, first + dt.timedelta(days=2))
    hourly = hourly_figures(entries, p.hours, LATER)
    daily = sum_by_day(p, hourly, AgentFigures())
    # the same log spread straight over the days (or over one bucket: the whole period)
    assert [_figures(f) for f in hourly_figures(entries, p.days, LATER)] == \
        [_figures(f) for f in daily]
    total = sum(daily, AgentFigures())
    assert _figures(total) == _figures(sum(hourly, AgentFigures()))
    for f, bucket in zip(hourly, p.hours, strict=True):
        span = (bucket.end - bucket.start).total_seconds()
        assert f.talk_seconds + f.wrap_seconds + f.paused_seconds <= f.logged_in_seconds <= span
        assert f.occupancy_percent is None or 0 <= f.occupancy_percent <= 100
    assert total.calls <= sum(e.state == S.ON_CALL for e in entries)


def test_campaign_hours_fold_the_counted_attempts():
    p = period(NEW_YORK, PLAIN, PLAIN)
    nine = next(i for i, h in enumerate(p.hours) if h.local_start.hour == 9)
    counts = [AttemptCount(nine, 5, "human", True, True, 6),
              AttemptCount(nine, 5, "abandoned", True, False, 1),
              AttemptCount(nine, 5, "machine", True, False, 3),
              AttemptCount(nine, 5, "no_answer", False, False, 10),
              AttemptCount(nine + 1, 5, "human", True, True, 2),
              AttemptCount(nine, 6, "human", True, True, 99)]  # another campaign's
    seconds = [0] * len(p.hours)
    seconds[nine] = 2 * 3600  # two agents all hour
    c = campaign_hours(5, "Spring", p, counts, seconds)
    f = c.hours[nine].figures
    assert (f.dials, f.answers, f.humans, f.abandons, f.connects) == (20, 10, 7, 1, 6)
    assert (f.abandon_percent, f.agent_hours, f.connects_per_agent_hour) == (14.29, 2.0, 3.0)
    assert c.hours[nine + 1].figures.connects_per_agent_hour is None  # nobody logged in
    assert (c.total.dials, c.total.connects, c.total.connects_per_agent_hour) == (22, 8, 4.0)
    assert c.days[0].figures == c.total
    rows = list(csv.DictReader(io.StringIO(tables.campaigns_csv(
        CampaignReport(1, p, (c,)), "hour"))))
    assert len(rows) == 24 and rows[nine]["hour"] == "2026-03-10 09:00-04:00"
    assert (rows[nine]["dials"], rows[nine]["abandon_percent"]) == ("20", "14.29")
    assert rows[0]["connects_per_agent_hour"] == ""
    svg = charts.campaign_svg(c)
    assert svg.count('class="bar"') == 5  # 9:00 connected/abandoned/other/none, 10:00


def test_people_amd_hung_up_on_count_in_the_abandonment_apart_from_the_abandons():
    """Machines carry the estimated people among them (dialer.amd.abandonment): in the
    percentage's numerator and denominator, and in a column of their own."""
    p = period(NEW_YORK, PLAIN, PLAIN)
    nine = next(i for i, h in enumerate(p.hours) if h.local_start.hour == 9)
    counts = [AttemptCount(nine, 5, "human", True, True, 9),
              AttemptCount(nine, 5, "abandoned", True, False, 1),
              AttemptCount(nine, 5, "machine", True, False, 20, amd_false_positives=1.25),
              AttemptCount(nine + 1, 5, "machine", True, False, 4, amd_false_positives=0.75)]
    c = campaign_hours(5, "Spring", p, counts, [0] * len(p.hours))
    f = c.hours[nine].figures
    assert (f.humans, f.abandons, f.amd_false_positives) == (10, 1, 1.25)
    assert f.abandon_percent == round(100 * 2.25 / 11.25, 2)
    assert c.hours[nine + 1].figures.abandon_percent == 100.0  # only the estimate
    assert c.total.amd_false_positives == 2.0
    rows = list(csv.DictReader(io.StringIO(tables.campaigns_csv(
        CampaignReport(1, p, (c,)), "hour"))))
    assert (rows[nine]["amd_false_positives_estimated"], rows[nine]["abandon_percent"]) == \
        ("1.25", "20.0")


def test_dispositions_per_campaign_and_agent():
    p = period(NEW_YORK, PLAIN, PLAIN)
    rows = [DispositionCount(5, 7, "sale", 3), DispositionCount(5, 8, "sale", 1),
            DispositionCount(5, 8, "=HYPERLINK(1)", 2), DispositionCount(5, None, "sale", 1),
            DispositionCount(6, 7, "no sale", 4)]
    report = dispositions(1, p, [(5, "Spring"), (9, "Empty")], {7: "Ann", 8: "Bob"}, rows)
    spring, empty = report.campaigns
    assert spring.tally.counts == (("sale", 5), ("=HYPERLINK(1)", 2))
    assert spring.tally.percent("sale") == 71.4
    assert [(a.agent_id, a.name, a.tally.total) for a in spring.agents] == [
        (7, "Ann", 3), (8, "Bob", 3), (None, "", 1)]
    assert empty.tally.total == 0 and empty.agents == ()
    lines = list(csv.reader(io.StringIO(tables.dispositions_csv(report, by_agent=True))))
    assert lines[0] == list(tables.DISPOSITION_COLUMNS)
    assert ["5", "Spring", "8", "Bob", "'=HYPERLINK(1)", "2", "66.7"] in lines  # quoted
    assert len(lines) == 1 + 4
    assert "dispositions-chart" in charts.dispositions_svg(report)


def test_agents_csv_and_chart():
    p = period(NEW_YORK, PLAIN, PLAIN)
    report = agent_performance(1, p, [AgentEntries(7, "@Ann", MORNING),
                                      AgentEntries(8, "Bob <&>", ())], LATER)
    rows = list(csv.DictReader(io.StringIO(tables.agents_csv(report, "day"))))
    assert list(rows[0]) == [*tables.AGENT_COLUMNS, "pause_seconds:(no reason)",
                             "pause_seconds:Lunch"]
    assert (rows[0]["agent"], rows[0]["calls"], rows[0]["pause_seconds:Lunch"],
            rows[0]["hour"]) == ("'@Ann", "2", "2400", "")
    assert rows[1]["occupancy_percent"] == ""  # Bob never logged in
    doc = tables.agents_json(report, "hour")
    assert len(doc["agents"][0]["rows"]) == 24 and doc["timezone"] == "America/New_York"
    assert doc["agents"][0]["total"]["pause_by_reason"] == {"(no reason)": 300, "Lunch": 2400}
    svg = charts.agents_svg(report)
    assert svg.count('data-series="talk"') == 1 and "Bob &lt;&amp;&gt;" in svg

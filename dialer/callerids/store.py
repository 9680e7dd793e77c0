"""Caller-ID pools in the database: the API's reads and changes, and the pick of a call's
number, counted against the daily cap in the statement that checks it (every node)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from ..core.phones import PhoneError, normalise, region_of
from ..core.tz import load_zone
from ..db.audit import audited
from ..db.fields import to_naive_utc
from ..db.listing import iso
from ..db.models import (Account, Attempt, CallerIdPool, Campaign, PoolNumber as NumberRow,
                         database_proxy)
from ..db.rows import tuples
from ..db.validation import ConflictError, FieldError, NotFoundError, integer, reject_unknown, text
from .choice import Chosen, Exhausted, PoolNumber, PoolRules, choose, to_rest, why_exhausted

FIELDS = ("name", "campaign_id", "daily_cap", "rest_days", "add_numbers")
NUMBER_FIELDS = ("numbers",)
REST_CHECK = dt.timedelta(minutes=1)  # how often a pool's answer rates are looked at
ANSWERED = ("human", "abandoned")  # outcomes where a person picked up
PICK_TRIES = 5  # another node may take a number's last call of the day first


# ---- the API ------------------------------------------------------------------------------
def _rules(pool: CallerIdPool) -> PoolRules:
    return PoolRules(pool.daily_cap, dt.timedelta(days=pool.rest_days))


def pool_dict(pool: CallerIdPool) -> dict:
    return {"id": pool.id, "account_id": pool.account_id, "campaign_id": pool.campaign_id,
            "name": pool.name, "daily_cap": pool.daily_cap, "rest_days": pool.rest_days,
            "numbers": NumberRow.select().where(NumberRow.pool == pool.id).count(),
            "add_numbers": None,  # write-only: numbers a change adds (the console's box)
            "created_at": iso(pool.created_at)}


def _clean(account_id: int, values: dict[str, Any]) -> dict[str, Any]:
    reject_unknown(values, FIELDS)
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name == "name":
            clean[name] = text(name, value, max_length=64)
        elif name == "daily_cap":
            clean[name] = integer(name, value, minimum=1, maximum=100_000, nullable=True)
        elif name == "rest_days":
            clean[name] = integer(name, value, minimum=0, maximum=365)
        elif name == "add_numbers":  # the console's way to add numbers (null: none)
            clean[name] = [] if value is None else _numbers_typed(name, account_id, value)
        elif value is not None:
            campaign_id = integer(name, value, minimum=1)
            if not Campaign.select().where((Campaign.id == campaign_id)
                                           & (Campaign.account == account_id)).exists():
                raise FieldError(name, f"no campaign {campaign_id} in this account")
            clean[name] = campaign_id
        else:
            clean[name] = None
    return clean


def _pool(pool_id: int) -> CallerIdPool:
    pool = CallerIdPool.get_or_none(CallerIdPool.id == pool_id)
    if pool is None:
        raise NotFoundError("id", "no such caller-ID pool")
    return pool


def _check_free(account_id: int, campaign_id: int | None, pool_id: int = 0) -> None:
    if CallerIdPool.select().where(
            (CallerIdPool.account == account_id) & (CallerIdPool.id != pool_id)
            & (CallerIdPool.campaign.is_null() if campaign_id is None
               else CallerIdPool.campaign == campaign_id)).exists():
        raise ConflictError("campaign_id", "the account's pool exists" if campaign_id is None
                            else f"campaign {campaign_id} has a pool")


def list_pools(account_id: int) -> list[dict]:
    return [pool_dict(p) for p in CallerIdPool.select().where(
        CallerIdPool.account == account_id).order_by(CallerIdPool.id)]


def get_pool(pool_id: int) -> dict:
    return pool_dict(_pool(pool_id))


@audited("caller_id_pool", target=None)
def create_pool(account_id: int, values: dict[str, Any]) -> dict:
    clean = _clean(account_id, values)
    if "name" not in clean:
        raise FieldError("name", "required")
    _check_free(account_id, clean.get("campaign_id"))
    numbers = clean.pop("add_numbers", [])
    pool = CallerIdPool.create(account=account_id, **clean)
    _add(pool.id, numbers)
    return pool_dict(pool)


@audited("caller_id_pool")
def update_pool(pool_id: int, values: dict[str, Any]) -> dict:
    pool = _pool(pool_id)
    clean = _clean(pool.account_id, values)
    if "campaign_id" in clean:
        _check_free(pool.account_id, clean["campaign_id"], pool_id)
    _add(pool_id, clean.pop("add_numbers", []))
    for name, value in clean.items():
        setattr(pool, name, value)
    pool.save()
    return pool_dict(pool)


@audited("caller_id_pool")
def delete_pool(pool_id: int) -> dict:
    gone = get_pool(pool_id)
    CallerIdPool.delete_by_id(pool_id)
    return gone


@audited("caller_id_pool")
def add_numbers(pool_id: int, values: dict[str, Any], now: dt.datetime) -> list[dict]:
    """`numbers`: E.164 or national (in the account's country); those in the pool stay."""
    reject_unknown(values, NUMBER_FIELDS)
    pool = _pool(pool_id)
    _add(pool_id, _numbers_typed("numbers", pool.account_id, values.get("numbers")))
    return list_numbers(pool_id, now)


def _numbers_typed(field: str, account_id: int, raw: Any) -> list[str]:
    """E.164 numbers of a list typed by a person (national: in the account's country)."""
    if not isinstance(raw, list) or not raw or len(raw) > 10_000 \
            or not all(isinstance(n, str) for n in raw):
        raise FieldError(field, "a list of 1 to 10,000 phone numbers")
    company = Account.get_by_id(account_id).company_number
    home = region_of(company) if company else "US"
    typed = set()
    for number in raw:
        try:
            typed.add(normalise(number, home))
        except PhoneError as exc:
            raise FieldError(field, f"{number!r}: {exc.reason}") from None
    return sorted(typed)


def _add(pool_id: int, numbers: list[str]) -> None:
    """The numbers not yet in the pool."""
    there = {n for (n,) in tuples(NumberRow.select(NumberRow.number).where(
        NumberRow.pool == pool_id))}
    NumberRow.insert_many([{"pool": pool_id, "number": n}
                           for n in numbers if n not in there]).execute()


def _number(pool_id: int, number_id: int) -> NumberRow:
    row = NumberRow.get_or_none((NumberRow.id == number_id) & (NumberRow.pool == pool_id))
    if row is None:
        raise NotFoundError("number_id", "no such number in this pool")
    return row


@audited("caller_id_pool")
def update_number(pool_id: int, number_id: int, values: dict[str, Any],
                  now: dt.datetime) -> dict:
    """`{"rested": false}`: back in use now (its figures of today are kept)."""
    row = _number(pool_id, number_id)  # first: another pool's number is not found
    reject_unknown(values, ("rested",))
    if values.get("rested") is not False:
        raise FieldError("rested", "false: the number is used again (numbers are rested "
                                   "by their answer rate)")
    row.rested_since = row.rested_why = None
    row.save()
    return next(n for n in list_numbers(pool_id, now)
                if n["id"] == number_id)


@audited("caller_id_pool")
def delete_number(pool_id: int, number_id: int) -> dict:
    row = _number(pool_id, number_id)
    row.delete_instance()
    return {"id": number_id, "number": row.number}


def list_numbers(pool_id: int, now: dt.datetime) -> list[dict]:
    """Each number and its figures today: calls placed, finished, answered by a person,
    answer rate, and since when and why it rests."""
    pool = _pool(pool_id)
    rules = _rules(pool)
    return [{"id": n.id, "number": n.number, "calls_today": n.calls_today,
             "finished_today": n.finished, "answers_today": n.answers,
             "answer_rate": n.answer_rate, "rested": rules.resting(n, now),
             "rested_since": n.rested_since.isoformat() if n.rested_since else None,
             "rested_why": n.rested_why, "capped": rules.capped(n)}
            for n in _numbers(pool, now, figures=True)]


# ---- the dialer ---------------------------------------------------------------------------
def _local_day(pool: CallerIdPool, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """A pool's day is its account's: its caps and figures start at the account's local
    midnight. The date, and when it began (UTC)."""
    zone = load_zone(Account.get_by_id(pool.account_id).timezone or "UTC") or dt.UTC
    local = now.astimezone(zone)
    return local.date(), dt.datetime.combine(local.date(), dt.time(), zone).astimezone(dt.UTC)


def _numbers(pool: CallerIdPool, now: dt.datetime, *, figures: bool = False) -> list[PoolNumber]:
    today, day_start = _local_day(pool, now)
    pool_id = pool.id
    rows = list(tuples(NumberRow.select(NumberRow.id, NumberRow.number, NumberRow.day,
                                        NumberRow.calls, NumberRow.rested_since,
                                        NumberRow.rested_why)
                       .where(NumberRow.pool == pool_id).order_by(NumberRow.id)))
    ended: dict[str, tuple[int, int]] = {}
    if figures and rows:
        since = to_naive_utc(day_start)
        answered = pw.fn.SUM(pw.Case(None, [(Attempt.outcome.in_(ANSWERED), 1)], 0))
        ended = {c: (f, a or 0) for c, f, a in tuples(
            Attempt.select(Attempt.caller_id, pw.fn.COUNT(Attempt.id), answered)
            .where(Attempt.caller_id.in_([r[1] for r in rows]), Attempt.started_at >= since,
                   Attempt.ended_at.is_null(False)).group_by(Attempt.caller_id))}
    return [PoolNumber(i, number, calls if day == today else 0, *ended.get(number, (0, 0)),
                       rested.replace(tzinfo=dt.UTC) if rested else None, why)
            for i, number, day, calls, rested, why in rows]


def pool_for(campaign_id: int, account_id: int) -> CallerIdPool | None:
    """The campaign's pool, else its account's, else None (its plain caller ids)."""
    return (CallerIdPool.select().where(
        (CallerIdPool.account == account_id)
        & ((CallerIdPool.campaign == campaign_id) | CallerIdPool.campaign.is_null()))
        .order_by(CallerIdPool.campaign.is_null()).first())


def _rest_low_answering(pool: CallerIdPool, now: dt.datetime) -> None:
    """At most once a minute per pool (on any node): numbers answered well below the pool
    rest; those whose rest is over are used again."""
    due = to_naive_utc(now - REST_CHECK)
    if not CallerIdPool.update(checked_at=to_naive_utc(now)).where(
            (CallerIdPool.id == pool.id)
            & (CallerIdPool.checked_at.is_null() | (CallerIdPool.checked_at < due))).execute():
        return
    rules = _rules(pool)
    numbers = _numbers(pool, now, figures=True)
    over = [n.id for n in numbers if n.rested_since and not rules.resting(n, now)]
    if over:
        NumberRow.update(rested_since=None, rested_why=None).where(
            NumberRow.id.in_(over)).execute()
    for rest in to_rest(numbers, rules, now):
        NumberRow.update(rested_since=to_naive_utc(now), rested_why=rest.why).where(
            NumberRow.id == rest.number_id).execute()


def _take(number: PoolNumber, cap: int | None, today: dt.date) -> bool:
    """Count a call on the number unless its cap was reached meanwhile (by any node)."""
    fresh = NumberRow.day.is_null() | (NumberRow.day != today)
    this = NumberRow.id == number.id
    return bool(NumberRow.update(
        day=today, calls=pw.Case(None, [(fresh, 1)], NumberRow.calls + 1)).where(
            this if cap is None else this & (fresh | (NumberRow.calls < cap))).execute())


def _usable(pool_id: int, rules: PoolRules, now: dt.datetime,
            today: dt.date) -> pw.ModelSelect[NumberRow]:
    """The pool's numbers neither resting nor at the cap: (id, number, calls today)."""
    calls = pw.Case(None, [(NumberRow.day == today, NumberRow.calls)], 0)
    query = NumberRow.select(NumberRow.id, NumberRow.number, calls).where(
        (NumberRow.pool == pool_id) & (NumberRow.rested_since.is_null()
                                       | (NumberRow.rested_since <= to_naive_utc(now - rules.rest))))
    return query if rules.daily_cap is None else query.where(calls < rules.daily_cap)


def pick(campaign_id: int, account_id: int, callee: str,
         now: dt.datetime) -> Chosen | Exhausted | None:
    """The number this call shows, counted; Exhausted: none may be used now; None: the
    campaign has no pool (it shows its plain caller ids)."""
    pool = pool_for(campaign_id, account_id)
    if pool is None:
        return None
    _rest_low_answering(pool, now)
    rules, (today, _) = _rules(pool), _local_day(pool, now)
    for _ in range(PICK_TRIES):
        # the hot path of a large pool: raw rows, not peewee's conversions of each column
        usable = [PoolNumber(i, number, calls) for i, number, calls
                  in database_proxy.execute(_usable(pool.id, rules, now, today))]
        choice = choose(callee, usable, rules, now)
        if isinstance(choice, Exhausted):
            return _why_exhausted(pool, now)
        if _take(choice.number, rules.daily_cap, today):
            return choice
    return Exhausted("other nodes took the pool's last calls of the day first")


def _why_exhausted(pool: CallerIdPool, now: dt.datetime) -> Exhausted:
    reason = why_exhausted(_numbers(pool, now), _rules(pool), now)
    return Exhausted(f"pool {pool.name!r}: {reason}")


def exhausted(campaign_id: int, account_id: int, now: dt.datetime) -> Exhausted | None:
    """Why the campaign may not dial now for want of a caller ID (None: it may)."""
    pool = pool_for(campaign_id, account_id)
    if pool is None or _usable(pool.id, _rules(pool), now, _local_day(pool, now)[0]).exists():
        return None
    return _why_exhausted(pool, now)


def account_of_number(e164: str) -> Account | None:
    """The account whose caller-ID pool holds the number (the oldest pool's, if several):
    calls back to it are that account's inbound calls."""
    return (Account.select().join(CallerIdPool, on=CallerIdPool.account == Account.id)
            .join(NumberRow, on=NumberRow.pool == CallerIdPool.id)
            .where(NumberRow.number == e164).order_by(NumberRow.id).first())


def pool_size(campaign_id: int, account_id: int) -> int:
    pool = pool_for(campaign_id, account_id)
    return 0 if pool is None else NumberRow.select().where(NumberRow.pool == pool.id).count()

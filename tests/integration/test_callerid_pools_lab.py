"""Caller-ID pools on the real lab (issue 21): a campaign whose pool holds numbers in
several US area codes dials callees in those area codes, and the carrier simulator sees
on each call the pool's number of the callee's area code (a callee in another area code
of New York: the New York number). What the simulator saw is read from its own records:
its log names each arriving call's number and channel, its CDR (cdr_csv) that channel's
caller ID. And the callee calling the number back rings the account's agents."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest

from dialer.callerids import store as pools
from dialer.db.models import Account, Campaign, InboundCall, User
from dialer.inbound import store as inbound
from tests.campaign_driver import login_all, run_to_end, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import Recorder, human, new_id
from tests.pbx_cdr import COLUMNS, master_csv

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]
POOL = {"201": "+12015550150", "212": "+12125550150", "303": "+13035550150",
        "312": "+13125550150"}  # NJ, NY, CO, IL: places with no calling-hours rule of their own
ARRIVAL = re.compile(r"^\[(\S+ \S+)\].*Executing \[\+(\d+)@from-pbx:1\] \w+\(\"([^\"]+)\"")


def seen_by_carrier(instance, since: dt.datetime) -> dict[str, str]:
    """Callee -> the caller id the carrier simulator saw: its log's arrivals (the number
    and the channel) joined to its CDR's records of those channels."""
    channels = {}
    for line in (instance.dir / "log/messages.log").read_text(errors="replace").splitlines():
        match = ARRIVAL.match(line)
        if match and dt.datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S.%f") >= since:
            channels[match[3]] = "+" + match[2]
    with open(master_csv(instance), newline="") as f:
        records = [dict(zip(COLUMNS, row, strict=False)) for row in csv.reader(f)]
    return {channels[r["channel"]]: r["src"] for r in records if r["channel"] in channels}


async def test_each_callee_sees_the_pools_number_of_its_area_code(dialer, lab):
    callees = [human(1, area) for area in ("201", "212", "303", "312")] + [
        human(2, area) for area in ("201", "312")] + [human(1, "315")]  # 315: NY, upstate
    seed = await dialer.store.run(seed_campaign, callees, agents=lab.info["agents"][:3],
                                  campaign={"bcw_seconds": 0, "amd_enabled": False})
    account_id = await dialer.store.run(
        lambda: Campaign.get_by_id(seed["campaign_id"]).account_id)
    pool = await dialer.store.run(pools.create_pool, account_id,
                                  {"name": "local", "campaign_id": seed["campaign_id"]})
    await dialer.store.run(pools.add_numbers, pool["id"], {"numbers": list(POOL.values())},
                           dialer.now())
    await login_all(dialer, seed["agent_ids"])
    since = dt.datetime.now()  # the simulator logs local time
    rows = await run_to_end(dialer, seed["campaign_id"], timeout=180)
    assert sorted(r["outcome"] for r in rows) == ["human"] * len(callees)
    expected = {phone: POOL.get(phone[2:5], POOL["212"]) for phone in callees}
    assert {r["phone"]: r["caller_id"] for r in rows} == expected
    assert seen_by_carrier(lab.sim, since) == expected



async def test_a_call_back_to_a_pool_number_rings_the_accounts_agents(dialer, lab, caller):
    """The callee calls back the number it was shown: the account's ring group rings."""
    def seed() -> int:
        account = Account.create(name="Acme", company_number="+12125550100")
        user = User.create(account=account, username="ann", password_hash="!",
                           endpoint="PJSIP/agent4")  # accepts with 1 (the sim's dialplan)
        inbound.set_ring_group(account.id, strategy="ordered")
        inbound.set_members(account.id, [{"user_id": user.id}])
        pool = pools.create_pool(account.id, {"name": "local"})
        pools.add_numbers(pool["id"], {"numbers": [POOL["312"]]}, dialer.now())
        return account.id
    account_id = await dialer.store.run(seed)
    pbx = Recorder(dialer.ari)
    channel_id = new_id("caller")
    await caller.originate(f"PJSIP/{POOL['312']}@pbx", channel_id=channel_id, app="sim",
                           caller_id=f'"Bo" <{human(1, "312")}>', timeout=30)
    await wait_until(lambda: any(e["type"] == "ChannelEnteredBridge"
                                 and e["channel"]["name"].startswith("PJSIP/agent4")
                                 for e in pbx.events), 30)
    record = await dialer.store.run(lambda: InboundCall.get(InboundCall.channel_id != ""))
    assert record.account_id == account_id and record.caller == human(1, "312")
    await caller.hangup(channel_id)

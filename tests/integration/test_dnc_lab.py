"""Do-not-call lists on the real lab: a campaign over listed and unlisted numbers dials
only the unlisted ones; no channel is ever created towards a listed number."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.compliance import importer, lists
from dialer.db.models import CampaignContact, Contact, ContactPhone
from tests.campaign_driver import login_all, run_to_end
from tests.campaign_seed import seed_campaign
from tests.lab_calls import BUSY, MACHINE, NO_ANSWER, human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]
TODAY = dt.datetime.now(dt.timezone.utc).date().isoformat()


def _import_lists(account_id: int) -> None:
    """The human on 415 and NO_ANSWER on the US registry (its own line format), the
    machine on the account's list (a national number)."""
    registry = lists.create_list(name="US DNC", scope="system", format="us", source="FTC",
                                 as_of=TODAY)
    importer.import_lines(registry.id, [f"{human(2, '415')[2:5]},{human(2, '415')[5:]}\n",
                                        f"{NO_ANSWER[2:5]}-{NO_ANSWER[5:8]}-{NO_ANSWER[8:]}\n"])
    own = lists.create_list(name="own", scope="account", format="e164", account_id=account_id)
    importer.import_lines(own.id, [f"({MACHINE[2:5]}) {MACHINE[5:8]}-{MACHINE[8:]}\n"])


async def test_campaign_dials_only_unlisted_numbers(dialer, lab):
    created = []
    dialer.ari.on("ChannelCreated", lambda e: created.append(e["channel"]["name"]))
    numbers = [human(2, "212"), human(2, "415"), MACHINE, BUSY, NO_ANSWER]
    seed = await dialer.store.run(seed_campaign, numbers, agents=lab.info["agents"][:2],
                                  campaign={"bcw_seconds": 1})
    cid = seed["campaign_id"]
    account_id = await dialer.store.run(
        lambda: Contact.select(Contact.account).join(ContactPhone)
        .where(ContactPhone.number == BUSY).scalar())
    await dialer.store.run(_import_lists, account_id)
    await login_all(dialer, seed["agent_ids"])
    rows = await run_to_end(dialer, cid)
    assert sorted(r["phone"] for r in rows) == sorted([human(2, "212"), BUSY])
    listed = {human(2, "415"), MACHINE, NO_ANSWER}
    assert not [n for n in created if any(x[1:] in n for x in listed)]
    reasons = await dialer.store.run(lambda: {
        p: cc.last_reason for cc in CampaignContact.select().where(CampaignContact.campaign == cid)
        for p in [ContactPhone.get(ContactPhone.contact == cc.contact_id).number]})
    assert reasons[human(2, "415")] == (f"{human(2, '415')} is on do-not-call list 'US DNC' "
                                        f"(as of {TODAY})")
    assert reasons[MACHINE] == f"{MACHINE} is on do-not-call list 'own'"

"""AMD settings (dialer.outbound.amd): the shipped dialplan's defaults, a campaign's own
settings through the admin service, and the DIALER_AMD the dialer originates with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialer.outbound import amd
from dialer.db.validation import FieldError

SHIPPED_CONF = Path(__file__).resolve().parents[2] / "asterisk-conf" / "extensions_dialer.conf"


def test_shipped_dialplan_defaults_equal_core_shipped():
    text = SHIPPED_CONF.read_text()
    found = re.search(r"^ same => n\(defaults\),AMD\(([\d,]+)\)$", text, re.M)
    assert found, "[dialer-amd] has no AMD() at label 'defaults'"
    assert amd.parse_arguments(found.group(1)) == amd.SHIPPED


def test_tuned_defaults_differ_where_app_amd_calls_people_machines():
    # app_amd's 2 words make "Hello, John speaking" a machine; its 2.5 s initial silence
    # makes a slow "... hello?" one.
    assert amd.SHIPPED["maximum_number_of_words"] > amd.ASTERISK_DEFAULTS["maximum_number_of_words"]
    assert amd.SHIPPED["initial_silence"] > amd.ASTERISK_DEFAULTS["initial_silence"]


def test_arguments_empty_without_overrides_else_all_nine():
    assert amd.amd_arguments({}) == ""
    assert amd.amd_arguments({name: None for name in amd.PARAMS}) == ""
    args = amd.amd_arguments({"greeting": 2000, "silence_threshold": None})
    assert amd.parse_arguments(args) == amd.SHIPPED | {"greeting": 2000}
    with pytest.raises(KeyError):
        amd.settings({"nonsense": 1})
    with pytest.raises(ValueError):
        amd.parse_arguments("1,2,3")


@pytest.mark.parametrize("value", [True, "2000", 1.5, 10, 99999])
def test_check_rejects_bad_values(value):
    with pytest.raises(ValueError):
        amd.check("greeting", value)


def test_campaign_amd_fields_checked_stored_and_sent(db):
    from dialer.db.campaign_admin import clone_campaign, create_campaign, update_campaign
    from dialer.outbound.store import campaign_settings
    from dialer.db.models import Account

    account = Account.create(name="Acme")
    for field, value in [("amd_greeting", 100), ("amd_greeting", "2000"),
                         ("amd_maximum_number_of_words", 0), ("amd_silence_threshold", 2.5)]:
        with pytest.raises(FieldError) as err:
            create_campaign(account.id, name="x", **{field: value})
        assert err.value.field == field
    plain = create_campaign(account.id, name="plain", amd_enabled=True)
    assert plain["amd_greeting"] is None and plain["amd_effective"] == amd.SHIPPED
    assert campaign_settings(plain["id"]).amd_arguments == ""

    c = create_campaign(account.id, name="tuned", amd_enabled=True, amd_greeting=2000,
                        amd_after_greeting_silence=900)
    assert c["amd_greeting"] == 2000
    sent = amd.parse_arguments(campaign_settings(c["id"]).amd_arguments)
    assert sent == amd.SHIPPED | {"greeting": 2000, "after_greeting_silence": 900}

    c = update_campaign(c["id"], amd_greeting=None)
    assert c["amd_effective"]["greeting"] == amd.SHIPPED["greeting"]
    copy = clone_campaign(c["id"], "copy")
    assert copy["amd_after_greeting_silence"] == 900


def test_campaign_detector_threshold_and_screening_checked_stored_and_read(db):
    from dialer.db.campaign_admin import clone_campaign, create_campaign, update_campaign
    from dialer.outbound.model import AmdDetector, ScreeningAction
    from dialer.outbound.store import campaign_settings
    from dialer.db.models import Account

    account = Account.create(name="Acme")
    for field, value in [("amd_detector", "neural"), ("amd_detector", None),
                         ("amd_machine_threshold", 0.3), ("amd_machine_threshold", 1.0),
                         ("amd_machine_threshold", "0.9"), ("amd_machine_threshold", True),
                         ("screening_action", "voicemail"), ("screening_message", "a,b"),
                         ("amd_words", "no"), ("amd_words", None),
                         ("amd_person_after_silence", 0.5), ("amd_person_after_silence", 8),
                         ("amd_person_after_silence", "4")]:
        with pytest.raises(FieldError) as err:
            create_campaign(account.id, name="x", **{field: value})
        assert err.value.field == field, (field, value)
    with pytest.raises(FieldError) as err:  # announce what? the prompt is required
        create_campaign(account.id, name="x", screening_action="announce")
    assert err.value.field == "screening_message"

    plain = create_campaign(account.id, name="plain", amd_enabled=True)
    assert (plain["amd_detector"], plain["amd_machine_threshold"], plain["screening_action"],
            plain["screening_message"]) == ("classifier", None, "hangup", None)
    settings = campaign_settings(plain["id"])
    assert settings.amd_detector is AmdDetector.CLASSIFIER and settings.screening_message is None
    assert plain["amd_words"] is True and settings.amd_words  # the shipped phrases, unless told
    lengths = create_campaign(account.id, name="lengths", amd_enabled=True, amd_detector="app_amd")
    assert campaign_settings(lengths["id"]).amd_detector is AmdDetector.APP_AMD

    c = create_campaign(account.id, name="heard", amd_enabled=True, amd_detector="classifier",
                        amd_machine_threshold=0.8, screening_action="announce",
                        screening_message="vm-sorry", amd_words=False, amd_person_after_silence=4)
    settings = campaign_settings(c["id"])
    assert c["amd_words"] is False and settings.amd_words is False
    assert c["amd_person_after_silence"] == 4.0 and settings.amd_person_after_silence == 4.0
    assert plain["amd_person_after_silence"] is None and campaign_settings(plain["id"]).amd_person_after_silence is None
    assert (settings.amd_detector, settings.amd_machine_threshold, settings.screening_action,
            settings.screening_message) == (AmdDetector.CLASSIFIER, 0.8,
                                            ScreeningAction.ANNOUNCE, "sound:vm-sorry")
    with pytest.raises(FieldError) as err:  # the prompt cannot go while announce needs it
        update_campaign(c["id"], screening_message=None)
    assert err.value.field == "screening_message"
    c = update_campaign(c["id"], amd_machine_threshold=None, screening_action="hangup")
    assert c["amd_machine_threshold"] is None and c["screening_action"] == "hangup"
    copy = clone_campaign(c["id"], "copy")
    assert (copy["amd_detector"], copy["screening_message"], copy["amd_words"],
            copy["amd_person_after_silence"]) == ("classifier", "vm-sorry", False, 4.0)

"""What a user-typed value may become in Asterisk (dialer.core.asterisk_input), and how the
PBX's endpoints are told apart (dialer.ari.endpoints), on a fake ARI."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.ari import AriClient, AriUnavailable
from dialer.ari.endpoints import AriEndpoints, EndpointKind
from dialer.core.asterisk_input import (UnsafeValue, announce_media, caller_id, dial_string,
                                        parse_endpoint, prompt_media, prompt_name, spoken_name)
from tests.fake_ari import FakeAri

# Values an attacker types into any field that reaches Asterisk.
HOSTILE = ["sound:http://10.0.0.1/x", "http://10.0.0.1/x", "recording:voicemail-2-abc",
           "sound:a,recording:b", "a,b", "../../etc/passwd", "sound:../x", '"x" <+1555>',
           "<x>", "a\nb", "${SHELL}", "$[1+1]", "Local/100@default", "PJSIP/15550001230@carrier",
           "PJSIP/a&PJSIP/b", "SIP/100", "IAX2/peer", "a/b/c", "", " "]


@pytest.mark.parametrize("value,name", [("vm-goodbye", "vm-goodbye"),
                                        ("sound:vm-goodbye", "vm-goodbye"),  # legacy form
                                        ("digits/1", "digits/1"), ("tt_all-busy2", "tt_all-busy2")])
def test_prompt_names_and_the_legacy_sound_form(value, name):
    assert prompt_name(value) == name


@pytest.mark.parametrize("value", HOSTILE + ["VM-Goodbye", "sound:", "a b", "x" * 65])
def test_prompt_names_refuse_urls_schemes_lists_and_paths(value):
    with pytest.raises(UnsafeValue):
        prompt_name(value)


def test_prompt_media_adds_the_scheme_and_falls_back_on_an_unsafe_stored_value():
    assert prompt_media("vm-goodbye", "tt-allbusy") == "sound:vm-goodbye"
    assert prompt_media(None, "tt-allbusy") == "sound:tt-allbusy"
    assert prompt_media("sound:a,recording:b", "tt-allbusy") == "sound:tt-allbusy"


@settings(max_examples=500)
@given(st.text())
def test_a_prompt_is_one_sound_item_or_refused(value):
    try:
        media = prompt_media(value, "tt-allbusy")
    except UnsafeValue:
        raise AssertionError("the default is safe: never refused") from None
    assert re.fullmatch(r"sound:[a-z0-9_-]+(/[a-z0-9_-]+)?", media)
    assert media.split(",") == [media]


def test_doe_jane_is_spelled_as_one_name():
    assert spoken_name("Doe, Jane") == "Doe Jane"
    assert announce_media("Doe, Jane", "+14155550100") == ["characters:Doe Jane"]
    assert announce_media("Zoë", "+14155550100") == ["characters:Zoe"]
    assert announce_media(None, "+14155550100") == ["digits:14155550100"]
    assert announce_media("李", "+14155550100") == ["digits:14155550100"]  # nothing to spell
    assert announce_media("x,sound:tt,recording:vm", "") == ["characters:x sound tt recording vm"]
    assert announce_media("Bartholomew Fitzgerald-Montgomery", "") == [
        "characters:Bartholomew Fitzgerald"]  # a whisper stays short
    assert announce_media(",,,", "anonymous") == []


@settings(max_examples=500)
@given(st.one_of(st.none(), st.text()), st.text())
def test_what_a_user_hears_is_at_most_one_media_item(name, number):
    items = announce_media(name, number)
    assert len(items) <= 1
    assert ",".join(items).split(",") == items or items == []
    for item in items:
        assert re.fullmatch(r"characters:[A-Za-z0-9]+( [A-Za-z0-9]+)*|digits:[0-9]{1,15}", item)


def _parse_caller_id(value: str) -> tuple[str, str]:
    """Asterisk's reading of a caller-ID string (callerid.c, ast_callerid_parse): a
    quoted name up to the next quote, then the number in angle brackets; or a bare number."""
    match = re.fullmatch(r'"([^"]*)" <([^<>]*)>', value)
    return (match.group(1), match.group(2)) if match else ("", value)


def test_quotes_and_angle_brackets_never_change_a_caller_id():
    assert caller_id('Eve "Boss" <+19995550000>', "+13125550777") == \
        '"Eve Boss +19995550000" <+13125550777>'
    assert caller_id("Doe, Jane", "+13125550777") == '"Doe, Jane" <+13125550777>'
    assert caller_id("\n\t", "+13125550777") == "+13125550777"
    assert caller_id(None, "12125550100") == "12125550100"
    for number in ("+1555 <x>", "anonymous", "1;x", "", "+" + "1" * 16):
        with pytest.raises(UnsafeValue):
            caller_id("Ann", number)


@settings(max_examples=500)
@given(st.one_of(st.none(), st.text()), st.from_regex(r"\+?[0-9]{1,15}", fullmatch=True))
def test_any_name_gives_one_caller_id_with_the_intended_number(name, number):
    name_part, number_part = _parse_caller_id(caller_id(name, number))
    assert number_part == number
    assert not re.search(r'["<>\\\x00-\x1f\x7f]', name_part)
    assert name_part == name_part.strip() and len(name_part) <= 40


@pytest.mark.parametrize("value,dialled", [("agent1", "PJSIP/agent1"),
                                           ("PJSIP/agent1", "PJSIP/agent1"),
                                           ("front-desk.2", "PJSIP/front-desk.2")])
def test_endpoints_are_pjsip_names(value, dialled):
    assert parse_endpoint(value).dial_string == dialled


@pytest.mark.parametrize("value", HOSTILE + ["PJSIP/", "PJSIP/a/b", "DAHDI/1", "agent1,",
                                             "agent1@", "agent 1", ".", "..", "a..b",
                                             "PJSIP/agent1/n", "agent1(x)"])
def test_raw_dial_strings_are_refused(value):
    with pytest.raises(UnsafeValue):
        parse_endpoint(value)


@settings(max_examples=500)
@given(st.text())
def test_an_endpoint_is_one_pjsip_name_or_refused(value):
    try:
        dialled = parse_endpoint(value).dial_string
    except UnsafeValue:
        return
    assert re.fullmatch(r"PJSIP/[A-Za-z0-9][A-Za-z0-9_.-]*", dialled)


def test_stored_ring_targets_are_checked_again_when_dialled():
    assert dial_string("+14155550000", "carrier", False) == "PJSIP/+14155550000@carrier"
    assert dial_string("+14155550000", "carrier", True) == "Local/+14155550000@dialer-training"
    assert dial_string("PJSIP/ann", "carrier", True) == "PJSIP/ann"
    for stored in ("PJSIP/15550001230@carrier", "Local/1@default", "SIP/x", "+1 415"):
        with pytest.raises(UnsafeValue):
            dial_string(stored, "carrier", False)


# ---- the PBX's endpoints -----------------------------------------------------------------
def _config(**attributes) -> list[dict]:
    return [{"attribute": k, "value": v} for k, v in attributes.items()]


@pytest.fixture
async def fake_endpoints():
    ari = FakeAri()
    await ari.start()
    client = AriClient(ari.base_url + "/ari", ari.username, ari.password, "dialer")
    missing = {"message": "Object not found"}
    for name, context in (("agent1", "dialer-agent-phones"), ("carrier", "dialer-inbound"),
                          ("other-trunk", "from-carrier"), ("sip-provider", "from-internal")):
        ari.respond("GET", f"/endpoints/PJSIP/{name}", body={"technology": "PJSIP",
                                                             "resource": name})
        ari.respond("GET", f"/asterisk/config/dynamic/res_pjsip/endpoint/{name}",
                    body=_config(context=context, aors=name))
        ari.respond("GET", f"/asterisk/config/dynamic/res_pjsip/identify/{name}",
                    status=404, body=missing)
    ari.respond("GET", "/asterisk/config/dynamic/res_pjsip/identify/other-trunk",
                body=_config(endpoint="other-trunk", match="192.0.2.1"))
    ari.respond("GET", "/endpoints/PJSIP/nosuch", status=404, body={"message": "not found"})
    yield ari, client
    await client.close()
    await ari.stop()


async def test_trunks_are_the_configured_one_inbound_ones_and_identified_ones(fake_endpoints):
    ari, client = fake_endpoints
    endpoints = AriEndpoints(client, trunk="sip-provider")
    assert await endpoints.kind("agent1") is EndpointKind.PHONE
    assert await endpoints.kind("carrier") is EndpointKind.TRUNK        # calls enter as inbound
    assert await endpoints.kind("other-trunk") is EndpointKind.TRUNK    # matched by address
    assert await endpoints.kind("sip-provider") is EndpointKind.TRUNK   # [ari] trunk
    assert await endpoints.kind("nosuch") is EndpointKind.MISSING
    await ari.stop()
    with pytest.raises(AriUnavailable):
        await endpoints.kind("agent1")


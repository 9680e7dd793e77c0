"""The webhooks' pure rules: URLs and addresses (SSRF), signatures, the retry schedule on
simulated time, and the event bodies against their OpenAPI schemas."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json

import jsonschema
import pytest

from dialer.webhooks import events, policy, schema
from dialer.webhooks.policy import RetryPolicy, Status, TryResult

T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("url", [
    "https://hooks.example.com/dialer", "http://hooks.example.com:8080/in?x=1",
    "https://8.8.8.8/in", "https://[2001:4860:4860::8888]/in"])
def test_public_urls_pass(url):
    assert policy.check_url(url, allow_private=False) == url


@pytest.mark.parametrize("url, why", [
    ("ftp://hooks.example.com/x", "http:// or https://"),
    ("file:///etc/passwd", "http:// or https://"),
    ("gopher://127.0.0.1:6379/_INFO", "http:// or https://"),
    ("javascript:alert(1)", "http:// or https://"),
    ("https://user:pass@hooks.example.com/", "user name or password"),
    ("https://user@hooks.example.com/", "user name or password"),
    ("https://hooks.example.com@169.254.169.254/", "user name or password"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[::ffff:169.254.169.254]/", "link-local"),
    ("http://0.0.0.0/", "link-local, multicast or reserved"),
    ("http://224.0.0.1/", "link-local, multicast or reserved"),
    ("http://127.0.0.1:8080/", "loopback or private"),
    ("http://10.1.2.3/", "loopback or private"),
    ("http://192.168.1.1/", "loopback or private"),
    ("http://[::1]/", "loopback or private"),
    ("http://100.100.100.200/", "loopback or private"),  # a cloud metadata service
    ("http://localhost/", "localhost"),
    ("http://api.localhost/", "localhost"),
    ("http://2130706433/", "DNS name or an IP address"),  # 127.0.0.1 spelled as a number
    ("http://0x7f.1/", "DNS name or an IP address"),
    ("https://hooks.example.com:0/", "invalid port"),
    ("https://hooks.example.com:99999/", "invalid port"),
    ("https://hooks.example.com/#x", "fragment"),
    ("https://hooks.example.com/a b", "spaces"),
    ("https://hooks.example.com/\r\nX-Injected: 1", "control"),
    ("https:///nohost", "DNS name"),
    ("https://" + "a" * 2000 + ".com/", "at most 2000"),
    (42, "http:// or https://"),
])
def test_refused_urls_say_why(url, why):
    with pytest.raises(policy.UrlRefused, match=why):
        policy.check_url(url, allow_private=False)


def test_allow_private_opens_loopback_and_private_never_link_local():
    for url in ("http://127.0.0.1:8080/", "http://10.1.2.3/", "http://localhost/",
                "http://[::1]/"):
        assert policy.check_url(url, allow_private=True) == url
    for url in ("http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0/"):
        with pytest.raises(policy.UrlRefused):
            policy.check_url(url, allow_private=True)


@pytest.mark.parametrize("address, private, never", [
    ("8.8.8.8", False, False), ("169.254.169.254", True, True), ("127.0.0.1", True, False),
    ("::ffff:10.0.0.1", True, False), ("fd00:ec2::254", True, False),
    ("2001:4860:4860::8888", False, False)])
def test_address_refusal(address, private, never):
    ip = ipaddress.ip_address(address)
    assert (policy.address_refusal(ip, allow_private=False) is not None) == private
    assert (policy.address_refusal(ip, allow_private=True) is not None) == never


def test_a_signature_verifies_and_nothing_else_does():
    body = b'{"id":"evt_1"}'
    header = policy.sign("whsec_k", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert policy.verify("whsec_k", header, body, now=1_700_000_100)
    assert not policy.verify("whsec_other", header, body, now=1_700_000_100)
    assert not policy.verify("whsec_k", header, body + b" ", now=1_700_000_100)
    assert not policy.verify("whsec_k", header, body, now=1_700_000_000 + 301)  # a replay
    forged_time = header.replace("t=1700000000", "t=1700000200")
    assert not policy.verify("whsec_k", forged_time, body, now=1_700_000_200)
    assert not policy.verify("whsec_k", "v1=" + header.split("v1=")[1], body, now=0)
    # several v1 signatures (a secret being rotated): one matching is enough
    assert policy.verify("whsec_k", header + ",v1=" + "0" * 64, body, now=1_700_000_000)


def test_the_retry_schedule_doubles_up_to_its_cap_then_gives_up():
    rule = RetryPolicy(max_attempts=10, base_seconds=10, cap_seconds=600, jitter=0.2)
    delays = [policy.retry_delay(n, rule) for n in range(1, 11)]
    assert delays == [10, 20, 40, 80, 160, 320, 600, 600, 600, None]
    assert policy.retry_delay(3, rule, jitter=0.5) == 40 * 0.9
    assert policy.retry_delay(3, rule, jitter=0.999) > 40 * 0.8


def test_after_each_try_on_simulated_time():
    """Tries of a receiver answering 500 three times, then 204: each retry at the time
    the schedule says, measured on a simulated clock."""
    rule = RetryPolicy(max_attempts=5, base_seconds=10, cap_seconds=3600)
    now, times = T0, []
    answers = [TryResult(500, None, 12), TryResult(None, "no answer within 10 s", 10000),
               TryResult(503, None, 3), TryResult(204, None, 5)]
    for attempts, answer in enumerate(answers, start=1):
        after = policy.after_try(attempts, answer, now, rule)
        if after.status is Status.DELIVERED:
            break
        assert after.status is Status.PENDING
        times.append((after.next_attempt_at - T0).total_seconds())
        now = after.next_attempt_at
    assert after == policy.AfterTry(Status.DELIVERED, None)
    assert times == [10, 30, 70]  # 10, then +20, then +40


def test_a_delivery_is_given_up_after_its_last_try():
    rule = RetryPolicy(max_attempts=3)
    failing = TryResult(502, None, 1)
    assert policy.after_try(2, failing, T0, rule).status is Status.PENDING
    assert policy.after_try(3, failing, T0, rule) == policy.AfterTry(Status.FAILED, None)
    assert policy.after_try(1, TryResult(301, None, 1), T0, rule).status is Status.PENDING


SAMPLES = [
    events.AttemptFinished(1, 2, 3, "+12125550100", "human", T0, T0, T0, 16, 4, "sale"),
    events.AttemptFinished(1, None, 3, "+12125550100", "busy", T0, None, T0, None, None, None),
    events.DispositionSaved(1, 2, 3, 4, "sale", T0),
    events.FollowupScheduled(1, 2, 3, None, T0, "Europe/Paris", "manual"),
    events.FollowupExpired(1, 2, 3, 4, T0, "not launched within 5 minutes of its start"),
    events.VoicemailLeft(1, "+12125550100", None, "vm-1"),
    events.AgentStateChanged(1, "available", "logging_in", None, None, None),
    events.CampaignFinished(1, "spring", "completed"),
]


def test_every_kind_has_a_sample_here():
    assert {type(s) for s in SAMPLES} == set(events.EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.kind)
def test_each_body_matches_its_openapi_schema(event):
    webhooks, schemas = schema.openapi_parts()
    text = events.body(event, event_id="evt_x", account_id=7, at=T0.replace(tzinfo=None))
    sent = json.loads(text)
    assert sent["type"] == event.kind and sent["account_id"] == 7
    assert sent["created_at"] == "2026-03-02T15:00:00+00:00"
    assert set(sent["data"]) == {f.name for f in dataclasses.fields(event)}
    ref = webhooks[event.kind]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = ref["$ref"].rsplit("/", 1)[1]
    validator = jsonschema.Draft202012Validator(schemas[name],
                                                format_checker=jsonschema.FormatChecker())
    validator.validate(sent)
    wrong = {**sent, "data": {**sent["data"], "surprise": 1}}
    assert not validator.is_valid(wrong)

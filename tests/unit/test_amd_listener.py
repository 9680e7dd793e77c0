"""dialer/amd/shell.py's classify_then_beep: the callee's audio over the beep listener's RTP (a fake
ARI sending it as externalMedia does) into the classifier, 20 ms at a time, until it decides;
no audio or an ARI refusal give no decision (the call then falls back to app_amd)."""

from __future__ import annotations

import asyncio

import pytest

from dialer.amd import shell as amd_shell
from dialer.amd.classifier import ClassifierSettings, Verdict
from dialer.beep import shell as beep
from dialer.beep.detector import BeepSettings
from tests.unit.test_amd_classifier import stump
from tests.unit.test_beep_listener import FakeAri, audio

# A person for this model once silent 0.3 s; never sure enough of a machine.
SETTINGS = ClassifierSettings(machine=0.999, human_silence=0.3)
NO_BEEP = lambda decision: False  # noqa: E731 (the classifier alone, no beep after it)


@pytest.fixture(autouse=True)
def model(monkeypatch):
    monkeypatch.setattr(amd_shell, "shipped_model",
                        lambda: stump("silence_now", 0.2, "machine", "human"))


async def test_the_callees_audio_reaches_the_classifier_which_decides():
    ari = FakeAri(send=audio(None))  # speech-ish for 1 s, then silence
    decision, _ = await amd_shell.classify_then_beep(ari, "call-1", "dialer", SETTINGS, NO_BEEP)
    assert decision is not None and decision.verdict is Verdict.HUMAN and not decision.capped
    assert 1.3 <= decision.at <= 1.5 and decision.confidence > 0.9
    assert ari.clean()


async def test_the_cap_decides_when_the_model_never_is_sure():
    ari = FakeAri(send=audio(None) * 4)  # talks, pauses, talks...
    capped = ClassifierSettings(machine=0.999, human=0.999, human_late=None, cap=2.0)
    decision, _ = await amd_shell.classify_then_beep(ari, "call-1", "dialer", capped, NO_BEEP)
    assert decision is not None and decision.capped and decision.at == pytest.approx(2.0)
    assert ari.clean()


async def test_no_audio_or_a_refusal_is_no_decision(monkeypatch):
    monkeypatch.setattr(beep, "NO_AUDIO_SECONDS", 0.2)
    for ari in (FakeAri(send=None), FakeAri(fail="snoop")):
        assert await amd_shell.classify_then_beep(ari, "call-1", "dialer", SETTINGS, NO_BEEP) == \
            (None, None)
        assert ari.clean()


async def test_a_machine_whose_message_waits_for_the_beep_keeps_the_same_audio(monkeypatch):
    """One snoop for both: the classifier's machine, then the beep detector on the frames
    after the decision (nothing to set up while the beep goes by)."""
    monkeypatch.setattr(amd_shell, "shipped_model", lambda: stump("t", 0.5, "human", "machine"))
    ari = FakeAri(send=audio(beep_at=1.2))  # speech-ish, a 0.3 s beep at 1.2 s, silence
    told = []

    def decided(decision):
        told.append(decision)
        return decision.verdict is Verdict.MACHINE
    decision, beep_end = await amd_shell.classify_then_beep(
        ari, "call-1", "dialer", ClassifierSettings(machine=0.9), decided)
    assert told == [decision] and decision.verdict is Verdict.MACHINE
    assert 0.5 <= decision.at <= 0.7
    assert beep_end is not None and beep_end[0] == "beep"
    # the beep's end at 1.5 s, seen once digital silence outlasts a gap the PBX may fill
    assert 1.5 <= decision.at + beep_end[1] <= 1.5 + BeepSettings().max_gap + 0.03
    assert ari.clean() and len([m for m in ari.made if "snoop" in m]) == 1


async def test_a_machine_decided_after_its_greeting_ended_gets_its_message_2_s_after_the_end(
        monkeypatch):
    """Decided 0.3 s into the silence after the greeting (no beep): the beep detector goes on
    from that silence, so the message starts 2 s after the greeting's end, as app_amd's
    would, not 5 s after the verdict (a listener that heard no sound)."""
    # a machine once 0.2 s silent after its speech (1 s), never sure of a person
    monkeypatch.setattr(amd_shell, "shipped_model",
                        lambda: stump("silence_now", 0.2, "human", "machine"))
    ari = FakeAri(send=audio(None) + bytes([0xFF]) * 8000 * 4)
    decision, beep_end = await amd_shell.classify_then_beep(
        ari, "call-1", "dialer", ClassifierSettings(human=0.999, human_late=None, machine=0.9),
        lambda decision: decision.verdict is Verdict.MACHINE)
    assert decision is not None and decision.verdict is Verdict.MACHINE
    assert 1.1 <= decision.at <= 1.5
    assert beep_end is not None and beep_end[0] == "silence"
    assert decision.at + beep_end[1] == pytest.approx(3.0, abs=0.1)
    assert ari.clean()


async def test_a_machine_decided_after_its_beep_went_by_gets_its_message_at_once(monkeypatch):
    """The verdict came after the beep (nothing heard since it ended): no wait at all."""
    monkeypatch.setattr(amd_shell, "shipped_model",
                        lambda: stump("silence_now", 0.2, "human", "machine"))
    ari = FakeAri(send=audio(beep_at=1.2) + bytes([0xFF]) * 8000 * 4)  # talk, beep 1.2-1.5 s
    decision, beep_end = await amd_shell.classify_then_beep(
        ari, "call-1", "dialer", ClassifierSettings(human=0.999, human_late=None, machine=0.9),
        lambda decision: decision.verdict is Verdict.MACHINE)
    assert decision is not None and decision.verdict is Verdict.MACHINE and decision.at > 1.5
    assert beep_end == ("beep", 0.0)
    assert ari.clean()


@pytest.mark.parametrize("message, beep_listener, events", [
    ("message", True, ["ClassifierVerdict", "BeepHeard"]),  # the same listener hears the beep
    ("hangup", True, ["ClassifierVerdict"]),
    ("message", False, ["ClassifierVerdict"]),  # the dialplan waits for the beep instead
])
async def test_the_outbound_listener_yields_the_verdict_then_the_beep(monkeypatch, message,
                                                                      beep_listener, events):
    import datetime as dt
    from types import SimpleNamespace

    from dialer.outbound import listening
    monkeypatch.setattr(amd_shell, "shipped_model", lambda: stump("t", 0.5, "human", "machine"))
    ari = FakeAri(send=audio(beep_at=1.2))
    call = SimpleNamespace(channel_id="call-1", state=SimpleNamespace(
        attempt_id=1, beep_listener=beep_listener,
        settings=SimpleNamespace(machine_action=message)))
    got = [e async for e in listening.classified(ari, call, ClassifierSettings(machine=0.9), True,
                                                 lambda: dt.datetime(2026, 12, 5))]
    assert [type(e).__name__ for e in got] == events
    assert got[0].verdict is Verdict.MACHINE and ari.clean()


async def test_a_machine_whose_audio_stops_before_the_beep_still_gets_its_message(monkeypatch):
    """The beep detector never ended (the audio stopped coming): the message is left then,
    as when no audio could be had at all, not never."""
    import datetime as dt
    from types import SimpleNamespace

    from dialer.amd.classifier import Decision
    from dialer.outbound import events as ev, listening

    async def audio_stops_after_the_verdict(ari, channel_id, app, settings, decided, **kw):
        decision = Decision(Verdict.MACHINE, 0.95, 3.0, False)
        assert decided(decision)  # it wants the beep
        return decision, None

    monkeypatch.setattr(amd_shell, "classify_then_beep", audio_stops_after_the_verdict)
    call = SimpleNamespace(channel_id="call-1", state=SimpleNamespace(
        attempt_id=1, beep_listener=True, settings=SimpleNamespace(machine_action="message")))
    got = [e async for e in listening.classified(FakeAri(send=None), call, SETTINGS, True,
                                                 lambda: dt.datetime(2026, 12, 5))]
    assert [type(e) for e in got] == [ev.ClassifierVerdict, ev.BeepTimeout]


async def test_the_outbound_listener_says_when_no_audio_came(monkeypatch):
    import datetime as dt
    from types import SimpleNamespace

    from dialer.outbound import events as ev, listening
    monkeypatch.setattr(beep, "NO_AUDIO_SECONDS", 0.2)
    call = SimpleNamespace(channel_id="call-1", state=SimpleNamespace(
        attempt_id=1, beep_listener=True, settings=SimpleNamespace(machine_action="message")))
    got = [e async for e in listening.classified(FakeAri(send=None), call, SETTINGS, True,
                                                 lambda: dt.datetime(2026, 12, 5))]
    assert got == [ev.ClassifierNoAudio()]


async def test_a_spotter_listens_until_the_decision_then_serves_the_next_call(monkeypatch):
    from dialer.amd import words
    from tests.unit.test_amd_words import PHRASES, FakeDecoder

    decoders = []

    def new_decoder(phrases):
        decoders.append(FakeDecoder([]))
        return decoders[-1]
    monkeypatch.setattr(words, "new_decoder", new_decoder)
    monkeypatch.setattr(amd_shell, "_spotters", words.SpotterPool(1, PHRASES))
    ari = FakeAri(send=audio(None))
    decision, _ = await amd_shell.classify_then_beep(ari, "call-1", "dialer", SETTINGS, NO_BEEP)
    assert decision is not None and decision.heard is None  # none loaded yet: sound alone
    await asyncio.sleep(0.2)  # the load the first call asked for, in a worker thread
    assert amd_shell._spotters.idle == 1
    decision, _ = await amd_shell.classify_then_beep(FakeAri(send=audio(None)), "call-2", "dialer",
                                                     SETTINGS, NO_BEEP)
    assert decision is not None and decision.verdict is Verdict.HUMAN
    [decoder] = decoders  # one call at a time: one decoder, fed until the decision, given back
    assert decoder.calls[0] == "start" and decoder.calls[-1] == "end"
    assert 0.2 * 16000 * 2 * 6 <= sum(c for c in decoder.calls if isinstance(c, int)) <= decision.at * 32000
    assert amd_shell._spotters.idle == 1



async def test_a_campaign_without_words_leaves_the_idle_spotter_alone(monkeypatch):
    from dialer.amd import words
    from tests.unit.test_amd_words import PHRASES, FakeDecoder

    decoder = FakeDecoder([])
    monkeypatch.setattr(words, "new_decoder", lambda phrases: decoder)
    monkeypatch.setattr(amd_shell, "_spotters", words.SpotterPool(1, PHRASES))
    amd_shell._spotters.load(1)
    decision, _ = await amd_shell.classify_then_beep(FakeAri(send=audio(None)), "call-1", "dialer",
                                                     SETTINGS, NO_BEEP, words=False)
    assert decision is not None and decision.verdict is Verdict.HUMAN and decision.heard is None
    assert decoder.calls == [] and amd_shell._spotters.idle == 1  # never started, still there

async def test_without_pocketsphinx_words_are_turned_off_and_the_sound_still_decides(monkeypatch, caplog):
    from dialer.amd import words
    from tests.unit.test_amd_words import PHRASES

    def missing(phrases):
        raise ImportError("No module named 'pocketsphinx'")
    monkeypatch.setattr(words, "new_decoder", missing)
    monkeypatch.setattr(amd_shell, "_spotters", words.SpotterPool(2, PHRASES))
    amd_shell.load_spotters()
    for _ in range(50):
        await asyncio.sleep(0.02)
        if amd_shell.spotter_pool() is None:
            break
    assert amd_shell.spotter_pool() is None and "phrase spotting unavailable" in caplog.text
    decision, _ = await amd_shell.classify_then_beep(FakeAri(send=audio(None)), "call-1", "dialer",
                                                     SETTINGS, NO_BEEP)
    assert decision is not None and decision.verdict is Verdict.HUMAN and decision.heard is None


async def test_a_load_left_on_a_closed_loop_does_not_stop_the_next_dialers_loads(monkeypatch):
    """A dialer that never stopped (its loop closed under a load): the next one still loads
    its spotters, and stopping waits only for its own load."""
    from dialer.amd import words
    from tests.unit.test_amd_words import PHRASES, FakeDecoder

    monkeypatch.setattr(words, "new_decoder", lambda phrases: FakeDecoder([]))
    monkeypatch.setattr(amd_shell, "_spotters", words.SpotterPool(2, PHRASES))
    old = asyncio.new_event_loop()
    monkeypatch.setattr(amd_shell, "_loading", {old.create_future()})  # never done
    old.close()
    amd_shell.load_spotters()
    await amd_shell.loading_done()
    assert amd_shell.spotter_pool().idle == 2


def test_a_pool_of_the_same_size_is_kept_when_the_dialer_starts_again(monkeypatch):
    from dialer.amd import words
    from tests.unit.test_amd_words import PHRASES

    monkeypatch.setattr(amd_shell, "_spotters", words.SpotterPool(3, PHRASES))
    kept = amd_shell.spotter_pool()
    amd_shell.use_words(3)
    assert amd_shell.spotter_pool() is kept  # its loaded decoders with it
    amd_shell.use_words(4)
    assert amd_shell.spotter_pool() is not kept and amd_shell.spotter_pool().size == 4
    amd_shell.use_words(0)
    assert amd_shell.spotter_pool() is None

"""The voicemail beep detector (dialer/beep/detector.py) on synthetic 8 kHz audio, after a
G.711 mu-law round trip like the trunk's, and the RTP payload parser of beep/shell.py."""

from __future__ import annotations

import functools
import math
import random

import pytest

from dialer.beep.detector import (ULAW, BeepDetector, BeepSettings, analyse, detect,
                              ulaw_to_samples)
from dialer.lab.greetings import ulaw_encode
from dialer.beep.shell import rtp_payload

RATE = 8000


def ulaw(samples: list[float]) -> list[int]:
    """Through the trunk: encoded and decoded."""
    return ulaw_to_samples(bytes(ulaw_encode(max(-32768, min(32767, int(s)))) for s in samples))


def tone(hz: float, seconds: float, db: float = -8.0) -> list[float]:
    amp, n, ramp = 32768 * 10 ** (db / 20), int(seconds * RATE), int(0.005 * RATE)
    return [amp * min(1.0, i / ramp, (n - i) / ramp) * math.sin(2 * math.pi * hz * i / RATE)
            for i in range(n)]


def silence(seconds: float) -> list[float]:
    return [0.0] * int(seconds * RATE)


def speechlike(seconds: float, seed: int = 1, db: float = -12.0) -> list[float]:
    return list(_speechlike(seconds, seed, db))


@functools.lru_cache(maxsize=None)
def _speechlike(seconds: float, seed: int, db: float) -> tuple[float, ...]:
    """Voiced-speech-like sound: a gliding pitch (110-220 Hz) with harmonics under two
    moving formants, syllables of 150-300 ms, plus a little noise."""
    rnd = random.Random(seed)
    out: list[float] = []
    phase = 0.0
    while len(out) < seconds * RATE:
        n = int(rnd.uniform(0.15, 0.3) * RATE)
        f0, f0_end = rnd.uniform(110, 220), rnd.uniform(110, 220)
        f1, f2 = rnd.uniform(400, 900), rnd.uniform(1000, 2400)
        for i in range(n):
            f = f0 + (f0_end - f0) * i / n
            phase += 2 * math.pi * f / RATE
            s = 0.0
            for k in range(2, 20):
                h = k * f
                if h > 3400:
                    break
                gain = 1 / (1 + ((h - f1) / 150) ** 2) + 0.6 / (1 + ((h - f2) / 250) ** 2)
                s += gain * math.sin(k * phase)
            out.append(s * math.sin(math.pi * i / n) + rnd.gauss(0, 0.05))
    peak = max(abs(v) for v in out) or 1.0
    scale = 32768 * 10 ** (db / 20) / peak
    return tuple(v * scale for v in out[:int(seconds * RATE)])


def test_ulaw_table_inverts_the_encoder():
    for x in (-32000, -1000, -1, 0, 1, 100, 5000, 32000):
        assert abs(ULAW[ulaw_encode(x)] - x) <= max(4, abs(x) // 16)


@pytest.mark.parametrize("hz", [350, 440, 600, 1000, 1400, 2000, 2400])
def test_a_tone_frame_is_one_frequency(hz):
    t = analyse(ulaw(tone(hz, 0.1, -20))[320:480])  # a frame inside the tone
    assert t.freq == pytest.approx(hz, abs=15)
    assert t.share > 0.95


@pytest.mark.parametrize("hz,length", [(440, 0.25), (850, 0.5), (1000, 0.15), (1700, 1.0),
                                       (2000, 0.3), (600, 0.12)])
def test_a_beep_after_speech_is_found_when_it_ends(hz, length):
    audio = silence(0.3) + speechlike(2.0) + silence(0.5)
    beep_end = (len(audio) + len(tone(hz, length))) / RATE
    out = detect(ulaw(audio + tone(hz, length) + silence(3)))
    assert out is not None and out[0] == "beep"
    # the frame that shows the end, not before; here digital silence follows the beep: it
    # is its end once longer than a gap the PBX may fill (max_gap)
    assert 0 <= out[1] - beep_end <= 0.04 + BeepSettings().max_gap


@pytest.mark.parametrize("noise_db", [-60, -48, -42, -38])
def test_silence_fallback_under_background_noise(noise_db):
    """Background noise, even louder than -40 dBFS, is no sound: the greeting's end is."""
    rnd = random.Random(2)
    audio = silence(0.3) + speechlike(2.0, db=-8) + silence(4.0)
    sigma = 32768 * 10 ** (noise_db / 20)
    noisy = [v + rnd.gauss(0, sigma) for v in audio]
    assert detect(ulaw(noisy)) == ("silence", pytest.approx(4.3, abs=0.1))


@pytest.mark.parametrize("noise_db", [-42, -38])
def test_a_gap_in_the_audio_is_not_the_noise_floor(noise_db):
    """A frame of digital silence in the greeting (the snoop had no audio for it: seen on
    the lab) says nothing of the line's noise: the greeting's end still is 2 s before the
    message, not the end of the noise after it."""
    rnd = random.Random(2)
    audio = silence(0.3) + speechlike(2.0, db=-8) + silence(4.0)
    sigma = 32768 * 10 ** (noise_db / 20)
    noisy = [v + rnd.gauss(0, sigma) for v in audio]
    gap = int(1.0 * RATE)
    noisy[gap:gap + 160] = silence(0.02)
    assert detect(ulaw(noisy)) == ("silence", pytest.approx(4.3, abs=0.1))


def test_a_gap_inside_a_beep_is_not_its_end():
    """The callee's audio late to the PBX: the snoop fills 40 ms of the beep with digital
    silence (seen as a message played before the beep's end on a loaded lab). The beep
    ends where it ends; a beep followed by no audio at all ends 60 ms later at most."""
    speech = speechlike(1.5) + silence(0.3)
    begin = len(speech) / RATE
    beep = tone(1400, 0.24) + silence(0.04) + tone(1400, 0.36)  # the PBX fills whole frames
    assert detect(ulaw(speech + beep + silence(3))) == ("beep", pytest.approx(begin + 0.72, abs=0.021))
    assert detect(ulaw(speech + tone(1400, 0.4) + silence(3))) == (
        "beep", pytest.approx(begin + 0.4 + 0.08, abs=0.021))
    # a longer hole is the end of the beep
    holed = speech + tone(1400, 0.24) + silence(0.2) + tone(1400, 0.36)
    assert detect(ulaw(holed + silence(3))) == ("beep", pytest.approx(begin + 0.24 + 0.08, abs=0.021))


def test_a_short_tone_is_no_beep():
    audio = speechlike(1.0) + silence(0.3) + tone(1000, 0.06) + silence(3)
    assert detect(ulaw(audio))[0] == "silence"


def test_a_tone_inside_speech_is_no_beep():
    """A tone under speech (a TV on, a tone in a jingle) is not one frequency carrying most
    of the energy; the speech's end then brings the silence fallback."""
    speech = speechlike(2.0, seed=3, db=-10)
    mixed = [a + b for a, b in zip(speech, silence(0.5) + tone(1000, 0.8, -26) + silence(2), strict=False)]
    out = detect(ulaw(mixed + silence(3)))
    assert out == ("silence", pytest.approx(4.0, abs=0.05))


@pytest.mark.parametrize("seed", range(4))
def test_speech_alone_is_never_a_beep(seed):
    out = detect(ulaw(speechlike(5.0, seed=seed + 10) + silence(2.5)))
    assert out is not None and out[0] == "silence"


def test_noise_alone_is_never_a_beep():
    rnd = random.Random(5)
    noise = [rnd.gauss(0, 3000) for _ in range(4 * RATE)]
    assert detect(ulaw(noise), BeepSettings(max_wait=3.0)) == ("timeout", pytest.approx(3.0))


def test_a_beep_under_background_noise():
    rnd = random.Random(7)
    audio = speechlike(1.5) + silence(0.4) + tone(1400, 0.4) + silence(3)
    noisy = [v + rnd.gauss(0, 100) for v in audio]  # about -50 dBFS
    out = detect(ulaw(noisy))
    assert out[0] == "beep" and out[1] == pytest.approx(2.3, abs=0.04)


def test_a_beep_already_going_when_listening_began():
    """We joined late: 60 ms of the beep is left, still a beep."""
    assert detect(ulaw(tone(850, 0.06) + silence(3)))[0] == "beep"
    # but 60 ms of tone that begins after we joined is not
    assert detect(ulaw(silence(0.2) + tone(850, 0.06) + silence(3)))[0] != "beep"


def test_silence_fallback_counts_from_the_greetings_end():
    """Leading silence before anyone speaks does not end the wait; 2 s after speech does."""
    audio = silence(3.0) + speechlike(1.0) + silence(3.0)
    assert detect(ulaw(audio)) == ("silence", pytest.approx(6.0, abs=0.03))


def test_nothing_heard_at_all_ends_the_wait_sooner():
    """The verdict came after the greeting and its beep (a classifier deciding late):
    5 s of silence from the start, not the 20 s wait, before the message."""
    assert detect(ulaw(silence(8.0))) == ("silence", pytest.approx(5.0, abs=0.03))


def test_a_greeting_heard_ending_before_listening_began_counts_its_silence():
    """The classifier heard the greeting end 0.4 s before its verdict: the message goes 2 s
    after that end, not after the 5 s wait of a listener that heard no sound."""
    d = BeepDetector(quiet_after_sound=0.4)
    frames = ulaw(silence(8.0))
    out = next(r for i in range(0, len(frames), 160) if (r := d.feed(frames[i:i + 160])))
    assert out == ("silence", pytest.approx(1.6, abs=0.03))
    # a beep after it still ends the wait as a beep
    d = BeepDetector(quiet_after_sound=0.4)
    frames = ulaw(silence(0.5) + tone(1000, 0.3) + silence(3))
    out = next(r for i in range(0, len(frames), 160) if (r := d.feed(frames[i:i + 160])))
    assert out[0] == "beep" and 0.8 <= out[1] <= 0.8 + BeepSettings().max_gap + 0.03


def test_timeout_when_nothing_ends():
    assert detect(ulaw(speechlike(2.0) * 3), BeepSettings(max_wait=5.0))[0] == "timeout"


def test_a_frequency_change_is_not_one_beep():
    """Two 80 ms tones of different pitch (a ring-back-like warble) make no 120 ms beep."""
    warble = (tone(600, 0.08) + tone(1400, 0.08)) * 4
    assert detect(ulaw(speechlike(1.0) + warble + silence(3)))[0] == "silence"


def test_the_detector_stays_decided():
    d = BeepDetector()
    frames = ulaw(speechlike(0.5) + tone(1000, 0.3) + silence(0.2))
    results = [d.feed(frames[i:i + 160]) for i in range(0, len(frames) - 159, 160)]
    first = next(r for r in results if r is not None)
    assert first[0] == "beep" and all(r == first for r in results[results.index(first):])


def test_rtp_payload():
    header = bytes([0x80, 0x00, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4])
    assert rtp_payload(header + b"\xff" * 160) == b"\xff" * 160
    csrc = bytes([0x81]) + header[1:] + b"\0\0\0\1"
    assert rtp_payload(csrc + b"ab") == b"ab"
    ext = bytes([0x90]) + header[1:] + b"\xbe\xde\x00\x01" + b"1234"
    assert rtp_payload(ext + b"cd") == b"cd"
    padded = bytes([0xA0]) + header[1:] + b"xyz" + b"\0\x02"
    assert rtp_payload(padded) == b"xyz"
    assert rtp_payload(b"\x00" * 20) is None and rtp_payload(b"short") is None

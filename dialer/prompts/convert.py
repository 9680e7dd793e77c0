"""Uploads and speech turned into what Asterisk plays for telephone audio, by sox (and
espeak-ng for speech): 8 kHz mono 16-bit WAV, and the same as raw mu-law (`.ulaw`) so a
G.711 call plays it without transcoding. Runs the tools as subprocesses (never a shell),
on temporary files named by the dialer; nothing of the upload's name is used."""

from __future__ import annotations

import asyncio
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from .model import MAX_SECONDS, SAMPLE_RATE, audio_type


class NotAudio(ValueError):
    """The input is not audio the converter reads, or breaks a limit; `reason` is for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Converted:
    wav: bytes     # 8 kHz mono 16-bit PCM WAV
    ulaw: bytes    # the same, raw mu-law
    seconds: float


async def _run(*argv: str, stdin: bytes | None = None) -> tuple[int, bytes]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(stdin), 120)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return -1, b"timed out"
    return proc.returncode or 0, err


async def convert(data: bytes) -> Converted:
    """Telephone audio from an upload (WAV, MP3, OGG, FLAC, AIFF, AU), at most MAX_SECONDS."""
    kind = audio_type(data[:16])
    if kind is None:
        raise NotAudio("not an audio file (WAV, MP3, OGG, FLAC, AIFF or AU)")
    with tempfile.TemporaryDirectory(prefix="dialer-prompt-") as tmp:
        source = Path(tmp) / f"upload.{kind}"
        source.write_bytes(data)
        return await _telephone(source, Path(tmp))


async def speak(text: str, voice: str) -> Converted:
    """Telephone audio of `text` spoken by espeak-ng (`voice` from SPEECH_VOICES)."""
    with tempfile.TemporaryDirectory(prefix="dialer-speech-") as tmp:
        source = Path(tmp) / "speech.wav"
        code, err = await _run("espeak-ng", "-v", voice, "-w", str(source), "--stdin",
                               stdin=text.encode())
        if code != 0 or not source.exists():
            raise NotAudio(f"espeak-ng failed: {err.decode(errors='replace').strip()[:200]}")
        return await _telephone(source, Path(tmp))


async def _telephone(source: Path, tmp: Path) -> Converted:
    wav, ulaw = tmp / "out.wav", tmp / "out.ulaw"
    # one second past the cap is enough to know it is too long, and bounds the work
    code, err = await _run("sox", "-V1", str(source), "-r", str(SAMPLE_RATE), "-c", "1",
                           "-b", "16", "-e", "signed-integer", str(wav),
                           "trim", "0", str(MAX_SECONDS + 1))
    if code != 0 or not wav.exists():
        raise NotAudio("not audio the converter reads ("
                       + err.decode(errors="replace").strip()[:200] + ")")
    with wave.open(str(wav)) as w:
        seconds = w.getnframes() / w.getframerate()
    if seconds > MAX_SECONDS:
        raise NotAudio(f"longer than {MAX_SECONDS // 60} minutes")
    if seconds < 0.1:
        raise NotAudio("no audio in it")
    code, err = await _run("sox", "-V1", str(wav), "-t", "ul", str(ulaw))
    if code != 0:
        raise NotAudio("mu-law conversion failed: " + err.decode(errors="replace")[:200])
    return Converted(wav=wav.read_bytes(), ulaw=ulaw.read_bytes(), seconds=round(seconds, 2))

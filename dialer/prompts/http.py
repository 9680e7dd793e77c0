"""An account's prompts over HTTP: list, upload (multipart or a raw audio body), text to
speech, a recording from a desk phone, rename, delete (refused while used), the audio, and
what a message field may choose. Needs manage_campaigns or manage_inbound (web/access.py)."""

from __future__ import annotations

import asyncio

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ..db.validation import FieldError, NotFoundError, text
from ..web import access
from ..web.common import DIALER, answer, json_body, page, path_id, run
from . import convert, files, model, store
from .model import Source

routes = web.RouteTableDef()
_TEXT_PART = 1000  # bytes of a multipart text field (the name)


async def _capped(read, field: str) -> bytes:
    """Chunks from `read()` up to MAX_BYTES (a 400 naming `field` past it)."""
    data = bytearray()
    while chunk := await read():
        data += chunk
        if len(data) > model.MAX_BYTES:
            raise FieldError(field, f"larger than {model.MAX_BYTES / 2**20:g} MB")
    return bytes(data)


async def _upload(request: web.Request) -> tuple[str | None, bytes]:
    """(name, audio) of a multipart form (parts "name" and "file") or of a raw body
    (`?name=`); read in chunks, never past the cap (the app's body limit is for JSON)."""
    if request.content_type != "multipart/form-data":
        return request.query.get("name"), await _capped(
            lambda: request.content.read(65536), "file")
    try:
        return await _form(request)
    except FieldError:
        raise
    except (HttpProcessingError, ValueError):  # a malformed part: aiohttp's own refusal
        raise FieldError("body", "not a valid multipart/form-data body") from None


async def _form(request: web.Request) -> tuple[str | None, bytes]:
    name, audio = None, None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise FieldError("body", "nested multipart is not accepted")
        if part.name == "file":
            audio = await _capped(lambda p=part: p.read_chunk(65536), "file")
        elif part.name == "name":
            raw = await part.read_chunk(_TEXT_PART)
            name = raw.decode("utf-8", "replace")
    if audio is None:
        raise FieldError("file", "required: the audio file")
    return name, audio


async def _store(request: web.Request, account_id: int, name: str, source: Source,
                 audio: convert.Converted) -> web.Response:
    prompt = await run(request, store.create_prompt, account_id, name, source,
                       seconds=audio.seconds)
    try:
        await asyncio.get_running_loop().run_in_executor(
            None, files.write, account_id, prompt.id, audio)
    except OSError:
        await run(request, store.delete_prompt, prompt.id)
        raise
    return answer(prompt.as_json(), 201)


async def _converted(work) -> convert.Converted:
    try:
        return await work
    except convert.NotAudio as exc:
        raise FieldError("file", exc.reason) from None


@routes.get("/api/accounts/{id}/prompts")
async def list_prompts(request: web.Request) -> web.Response:
    """The account's audio prompts.

    `?q=` searches names. Each: name, source (upload, recording, speech), status (ready,
    recording, failed), duration_seconds, `reference` (what a message field takes:
    "prompt:<id>")."""
    prompts = await run(request, store.list_prompts, path_id(request))
    return page(request, [p.as_json() for p in prompts])


@routes.post("/api/accounts/{id}/prompts")
async def upload_prompt(request: web.Request) -> web.Response:
    """A new prompt from an audio file.

    WAV, MP3, OGG, FLAC, AIFF or AU, at most 20 MB and 5 minutes: multipart/form-data with
    parts `name` and `file`, or the file as the body with `?name=`. Converted to 8 kHz mono
    16-bit WAV and mu-law; 400 naming `file` when it is not audio, too long or too big."""
    account_id = path_id(request)
    name, data = await _upload(request)
    name = await run(request, store.check_name, account_id, name)
    audio = await _converted(convert.convert(data))
    return await _store(request, account_id, name, Source.UPLOAD, audio)


upload_prompt.openapi_body = {  # type: ignore[union-attr]
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "name": {"type": "string"}, "file": {"type": "string", "format": "binary"}}}},
    "audio/*": {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


@routes.post("/api/accounts/{id}/prompts/speech")
async def speak_prompt(request: web.Request) -> web.Response:
    """A new prompt spoken by espeak-ng (text to speech).

    `name`, `text` (at most 2000 characters), `voice` (en-us, the default, en,
    en-gb-x-rp, fr, de, es, it, nl, pt or pl)."""
    account_id = path_id(request)
    body = await json_body(request, ("name", "text", "voice"))
    name = await run(request, store.check_name, account_id, body.get("name"))
    words = text("text", body.get("text"), max_length=model.MAX_SPEECH)
    if not words.strip():
        raise FieldError("text", "must not be blank")
    voice = body.get("voice", "en-us")
    if voice not in model.SPEECH_VOICES:
        raise FieldError("voice", "one of " + ", ".join(model.SPEECH_VOICES))
    try:
        audio = await convert.speak(words, voice)
    except convert.NotAudio as exc:
        raise FieldError("text", exc.reason) from None
    return await _store(request, account_id, name, Source.SPEECH, audio)


@routes.post("/api/accounts/{id}/prompts/recording")
async def record_prompt(request: web.Request) -> web.Response:
    """Record a prompt from a desk phone.

    The dialer rings `user_id`'s desk phone (default: the caller's own), beeps and records
    until #, 5 s of silence or 5 minutes. Answers 202 with the prompt, status `recording`;
    it becomes `ready` (or `failed`)."""
    account_id = path_id(request)
    body = await json_body(request, ("name", "user_id"))
    user_id = body.get("user_id", access.identity(request).user_id)
    phone = await run(request, store.desk_phone, account_id, user_id)
    prompt = await run(request, store.create_prompt, account_id, body.get("name"),
                       Source.RECORDING, status=model.Status.RECORDING)
    await request.app[DIALER].prompt_recorder.start(prompt, phone)
    return answer(prompt.as_json(), 202)


@routes.get("/api/accounts/{id}/prompt-choices")
async def prompt_choices(request: web.Request) -> web.Response:
    """What a message field may name.

    [{"value", "label"}]: the account's ready prompts ("prompt:<id>"), then the shipped
    Asterisk sounds (by name)."""
    return answer(await run(request, store.choices, path_id(request)))


@routes.get("/api/prompts/{id}")
async def get_prompt(request: web.Request) -> web.Response:
    """One prompt (its status while it is recorded)."""
    return answer((await run(request, store.get_prompt, path_id(request))).as_json())


@routes.patch("/api/prompts/{id}")
async def rename_prompt(request: web.Request) -> web.Response:
    """Rename: `name`."""
    body = await json_body(request, ("name",))
    prompt = await run(request, store.rename_prompt, path_id(request), body.get("name"))
    return answer(prompt.as_json())


@routes.delete("/api/prompts/{id}")
async def delete_prompt(request: web.Request) -> web.Response:
    """Delete a prompt and its files.

    409 naming `prompt`, and where it is used, while a campaign or the ring group plays it."""
    prompt = await run(request, store.delete_prompt, path_id(request))
    files.remove(prompt.account_id, prompt.id)
    return answer(prompt.as_json())


@routes.get("/api/prompts/{id}/audio")
async def prompt_audio(request: web.Request) -> web.StreamResponse:
    """The prompt as the PBX plays it (audio/wav); 404 naming `audio` while there is none."""
    prompt = await run(request, store.get_prompt, path_id(request))
    path = files.wav_path(prompt.account_id, prompt.id)
    if prompt.status is not model.Status.READY or not path.exists():
        raise NotFoundError("audio", f"prompt {prompt.id} has no audio ({prompt.status.value})")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav",
                                           "Cache-Control": "no-store"})

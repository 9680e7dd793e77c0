"""The prompts' files: a folder per account, each prompt `prompt-<id>.wav` and `.ulaw`.

The location is the running dialer's (`[prompts]` in its config), set once when the
Dialer is made; store functions that turn stored references into media read it here.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..config import PromptsConfig
from .convert import Converted
from .model import PromptFiles

EXTENSIONS = ("wav", "ulaw")


def files_of(cfg: PromptsConfig) -> PromptFiles:
    directory = str(Path(cfg.directory).absolute())
    return PromptFiles(directory=directory, pbx_directory=cfg.pbx_directory or directory)


_location = files_of(PromptsConfig())


def use(cfg: PromptsConfig) -> None:
    """The running dialer's location (dialer/server.py)."""
    global _location
    _location = files_of(cfg)


def location() -> PromptFiles:
    return _location


def write(account_id: int, prompt_id: int, audio: Converted) -> None:
    """Both formats, each written whole then renamed: the PBX never reads half a file."""
    stem = Path(_location.stem(account_id, prompt_id, pbx=False))
    stem.parent.mkdir(parents=True, exist_ok=True)
    for ext, data in (("wav", audio.wav), ("ulaw", audio.ulaw)):
        part = stem.with_name(f"{stem.name}.{ext}.part")
        part.write_bytes(data)
        os.chmod(part, 0o644)  # the PBX's user reads it
        part.replace(stem.with_name(f"{stem.name}.{ext}"))


def wav_path(account_id: int, prompt_id: int) -> Path:
    return Path(_location.stem(account_id, prompt_id, pbx=False) + ".wav")


def remove(account_id: int, prompt_id: int) -> None:
    stem = _location.stem(account_id, prompt_id, pbx=False)
    for ext in EXTENSIONS:
        Path(f"{stem}.{ext}").unlink(missing_ok=True)

"""app_amd's decision rule, frame by frame, on the greeting set's recorded frame levels.

A port of isAnsweringMachine() (apps/app_amd.c, Asterisk 22) for 20 ms voice frames:
ast_dsp_silence() calls a frame silent when its mean |sample| is under the threshold and
counts consecutive silent ms. It lets `bench.amd_lab --offline` sweep hundreds of settings
in seconds; the lab run is the measurement, this only picks what to measure.
"""

from __future__ import annotations

FRAME_MS = 20


def decide(levels: list[int], p: dict, lead_ms: int = 0) -> tuple[str, str, int]:
    """(AMDSTATUS, AMDCAUSE, ms from answer) for a callee whose frames have `levels`
    (silence after the last one), after `lead_ms` of silence."""
    levels = [0] * (lead_ms // FRAME_MS) + list(levels)
    total = silence = voice = consecutive = words = 0
    in_initial, in_greeting, in_word = True, False, True  # app_amd starts "in a word"
    i = 0
    while True:
        level = levels[i] if i < len(levels) else 0
        i += 1
        total += FRAME_MS
        if total >= p["total_analysis_time"]:
            return "NOTSURE", f"TOOLONG-{total}", total
        if level < p["silence_threshold"]:
            silence += FRAME_MS
            if silence >= p["between_words_silence"]:
                in_word = False
                consecutive = 0
            if in_initial and silence >= p["initial_silence"]:
                return "MACHINE", f"INITIALSILENCE-{silence}-{p['initial_silence']}", total
            if in_greeting and silence >= p["after_greeting_silence"]:
                return "HUMAN", f"HUMAN-{silence}-{p['after_greeting_silence']}", total
            continue
        silence = 0  # the DSP's silent run ends on any loud frame
        consecutive += FRAME_MS
        voice += FRAME_MS
        if consecutive >= p["min_word_length"] and not in_word:
            words += 1
            in_word = True
        if consecutive >= p["maximum_word_length"]:
            return "MACHINE", f"MAXWORDLENGTH-{consecutive}", total
        if words > p["maximum_number_of_words"]:  # Asterisk 22: more than the maximum
            return "MACHINE", f"MAXWORDS-{words}-{p['maximum_number_of_words']}", total
        if in_greeting and voice >= p["greeting"]:
            return "MACHINE", f"LONGGREETING-{voice}-{p['greeting']}", total
        if consecutive >= p["min_word_length"] and not in_greeting:
            in_initial, in_greeting = False, True

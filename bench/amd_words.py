"""The phrases the AMD classifier listens for (issue 20), chosen on the training split only.

Candidates: the wording of the training split's voicemail, carrier and screening texts
(bench/amd_corpus.py), and COMMON voicemail wording that those texts do not say; none is
taken from the held-out texts (a test checks it). Every training clip is streamed through the dialer's spotter
(dialer.amd.words, 100 ms at a time, up to the classifier's cap) at each candidate threshold;
a phrase is reliable at a threshold if it was heard there at least MIN_HEARD times, at least
PRECISION of those on clips of its verdict and never on a person's. Each phrase is kept at the
threshold where it is reliable and heard on the most clips of its verdict (the recogniser hears
some phrases on synthetic voices only at loose thresholds); the training clips right with the
shipped model are printed (bench.amd_classifier's scoring).

    .venv/bin/python -m bench.amd_words            # print the choice (~10 min on 2 cores, 6 thresholds)
    .venv/bin/python -m bench.amd_words --write    # ... and ship it (dialer/amd/phrases.json)
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.amd_classifier import classify, frames_of, score
from bench.amd_corpus import SEED, ensure_corpus, load
from dialer.amd import words
from dialer.amd.classifier import ClassifierSettings
from dialer.amd.model import shipped

COMMON = ["after the beep", "voicemail", "mailbox"]
MACHINE = ["leave a message", "leave your name", "after the tone", "you have reached",
           "you've reached", "not available", "try again later", "not in service", "please leave",
           "call you back", "get back to you", "number you have dialed",
           "can't come to the phone", "away from my desk", "office is closed", *COMMON]
SCREENING = ["screening", "reason for", "why you're calling", "your name and", "record your name",
             "see if", "this person", "say your name", "assistant"]
THRESHOLDS = [1e-12, 1e-16, 1e-20, 1e-25, 1e-30, 1e-40]
MIN_HEARD, PRECISION = 3, 0.9
VERDICTS = {p: "machine" for p in MACHINE} | {p: "screening" for p in SCREENING}  # every candidate's


def candidates(threshold: float) -> words.Phrases:
    return words.Phrases(VERDICTS, dict.fromkeys(VERDICTS, threshold), {})


def cepstral_mean(items: list[dict], cap: float) -> str:
    """PocketSphinx's running cepstral mean after these clips, one after the other."""
    decoder = words.new_decoder(candidates(1e-12))
    for item in items:
        decoder.start_utt()
        decoder.process_raw(words.upsample([s for f in frames_of(item, cap) for s in f]))
        decoder.end_utt()
    return str(decoder.get_cmn(False))


def heard(job: tuple[float, list[dict], float, str]) -> dict[str, list[str]]:
    """Every phrase heard in each clip (by clip name): all of them, not only the first."""
    threshold, items, cap, cmn = job
    phrases = candidates(threshold)
    decoder = words.new_decoder(phrases)
    out = {}
    for item in items:
        decoder.set_cmn(cmn)
        decoder.start_utt()
        found: set[str] = set()
        frames = frames_of(item, cap)
        for k in range(0, len(frames), words.CHUNK):
            decoder.process_raw(words.upsample([s for f in frames[k:k + words.CHUNK] for s in f]))
            found.update(seg.word.strip() for seg in decoder.seg() or ())
        decoder.end_utt()
        out[item["name"]] = sorted(found & set(phrases.verdicts))
    return out


Counts = dict[str, Counter]  # phrase -> clips it was heard on, by their label


def counted(items: list[dict], hits: dict[str, list[str]]) -> Counts:
    counts: Counts = defaultdict(Counter)
    for item in items:
        for phrase in hits[item["name"]]:
            counts[phrase][item["label"]] += 1
    return counts


def reliable(counts: Counter, verdict: str) -> bool:
    """Heard often enough, mostly on its verdict's clips, and never on a person's (a phrase
    heard on a person hangs up on one)."""
    return (sum(counts.values()) >= MIN_HEARD and counts[verdict] / sum(counts.values()) >= PRECISION
            and not counts["human"])


def choose(by_threshold: dict[float, Counts], cmn: str) -> tuple[words.Phrases, dict[str, Counter]]:
    """Each candidate at the threshold where it is heard right on the most clips while reliable
    (the stricter threshold on a tie); a candidate reliable at no threshold is left out."""
    kept: dict[str, tuple[float, Counter]] = {}
    for phrase, verdict in VERDICTS.items():
        for threshold in sorted(by_threshold, reverse=True):  # strictest first
            c = by_threshold[threshold][phrase]
            if reliable(c, verdict) and (phrase not in kept or c[verdict] > kept[phrase][1][verdict]):
                kept[phrase] = (threshold, c)
    verdicts = {p: VERDICTS[p] for p in kept}
    return (words.Phrases(verdicts, {p: t for p, (t, _) in kept.items()},
                          {p: c[verdicts[p]] / sum(c.values()) for p, (_, c) in kept.items()}, cmn),
            {p: c for p, (_, c) in kept.items()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help=f"ship the choice (dialer/amd/{words.PHRASES})")
    args = ap.parse_args()
    started = time.time()
    train = [i for i in load(ensure_corpus(SEED)) if i["split"] == "train"]
    s = ClassifierSettings()
    cmn = cepstral_mean(train[::7], s.cap)  # every call's starting point
    print(f"cepstral mean of training clips: {cmn}", flush=True)
    halves = [train[0::2], train[1::2]]
    by_threshold: dict[float, Counts] = {}
    with ProcessPoolExecutor(2) as pool:
        for t in THRESHOLDS:
            parts = list(pool.map(heard, [(t, h, s.cap, cmn) for h in halves]))
            by_threshold[t] = counted(train, parts[0] | parts[1])
    print("\nheard on training clips (by label), per threshold:")
    for phrase, verdict in VERDICTS.items():
        print(f"  {phrase!r:28} {verdict:9} " + "  ".join(
            f"{t:.0e}: {dict(by_threshold[t][phrase])}" for t in THRESHOLDS))
    phrases, counts = choose(by_threshold, cmn)
    spotters = words.SpotterPool(1, phrases)
    spotters.load(1)
    right = score(classify(train, shipped(), s, spotters))["accuracy"]
    print(f"\nchosen, training clips right {100 * right:.1f}% with the shipped model:")
    for phrase, verdict in phrases.verdicts.items():
        print(f"  {phrase!r:28} {verdict:9} {phrases.thresholds[phrase]:.0e} {dict(counts[phrase])}")
    if args.write:
        path = Path(words.__file__).with_name(words.PHRASES)
        path.write_text(json.dumps({
            "thresholds": THRESHOLDS, "min_heard": MIN_HEARD, "precision": PRECISION, "cmn": cmn,
            "phrases": [{"phrase": p, "verdict": v, "threshold": phrases.thresholds[p],
                         "training_clips": dict(counts[p])} for p, v in phrases.verdicts.items()]}, indent=1) + "\n")
        print(f"wrote {path}")
    print(f"{len(train)} training clips, {time.time() - started:.0f} s wall clock")


if __name__ == "__main__":
    main()

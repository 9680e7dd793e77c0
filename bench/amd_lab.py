"""Answering-machine detection measured on the real lab (issue 9).

Every greeting of the generated set (dialer/lab/greetings.py: humans and machines, 8 kHz
telephone band) is the callee: the simulator answers ...69NNN and plays greeting NNN over
RTP from the answer, as a phone's audio starts (this process, as the app "sim-answer",
answers over ARI, which does not wait; `--sim-answer dialplan`: ...9NNN, answered by
Answer(), which waits up to 0.5 s for the caller's first media, and the PBX sends none while
it listens: every lab figure before issue 20's held-out runs was measured that way); the PBX
runs the shipped [dialer-amd] context with each AMD setting in DIALER_AMD; this process is
the `dialer` Stasis app and reads the verdict from StasisStart's args. Times are Asterisk's
own event timestamps, counted from the greeting's start (a UserEvent the simulator sends
just before its Playback; both instances share the host's clock), decision = StasisStart.
Then, with the shipped defaults, every greeting that ends in a beep: the message must start
after the beep's end and within 1 s of it (PlaybackStarted), played either as the dialer
does (--beep-detector ari: DIALER_WAIT_BEEP=0, Stasis at the verdict, then
dialer/beep/shell.py listens for the beep over snoop + externalMedia RTP to this process) or
at StasisStart after the dialplan's WaitForSilence (--beep-detector silence,
DIALER_WAIT_BEEP=1, each of --beep-silences); both by default.

The AMD classifier (issue 20, "classifier" among the settings, on by default) on the same
calls: DIALER_SKIP_AMD=1, Stasis at the answer, then dialer/amd/shell.py's `classify_then_beep`
over snoop + externalMedia RTP to this process, as the dialer does (a phrase spotter for at
most --words-calls calls at once, the dialer's `[amd] words_calls`: by default one per call,
loaded before the first call); decided = when it decided
(this process's clock, the same host's). Its SCREENING verdicts count as not machine
(the dialer does not hang up on them with screening_action announce) and are counted apart.

`--corpus held-out`: instead of the lab's set, the classifier's held-out split
(bench/amd_corpus.py: voices and texts that never trained it, three engines, with screening
assistants), each clip written to /lab/greetings/snnn and called at the simulator's `...79nnn`
(`--sim-answer dialplan`: `...89nnn`, whose person says "hello" 8 s after the clip's end, after
both detectors have decided), scored as `bench/amd_classifier.py` scores it offline: the
issue's goals over RTP.

    .venv/bin/python -m bench.amd_lab                  # every setting, the whole set (~15 min)
    .venv/bin/python -m bench.amd_lab --quick          # every 3rd greeting
    .venv/bin/python -m bench.amd_lab --settings shipped,"asterisk defaults"
    .venv/bin/python -m bench.amd_lab --settings shipped,classifier --no-beep   # side by side
    .venv/bin/python -m bench.amd_lab --settings "" --beep-silences 800,900   # beep only
    .venv/bin/python -m bench.amd_lab --settings "" --beep-detector ari       # the dialer's
    .venv/bin/python -m bench.amd_lab --offline        # app_amd's rule on the recorded
                                                      # frame levels only (seconds, no lab)
    .venv/bin/python -m bench.amd_lab --offline --seed 11   # a set not used for tuning
    .venv/bin/python -m bench.amd_lab --corpus held-out --settings shipped,classifier --no-beep

The lab is the default one, or DIALER_LAB_NAME / DIALER_LAB_PBX_IP / DIALER_LAB_SIM_IP
(or --lab-name / --pbx-ip / --sim-ip); it is started if it is not running. Do not run it
while a dialer is connected to that lab's PBX (both would be the `dialer` app).
"""

from __future__ import annotations

import argparse
import collections
import asyncio
import datetime as dt
import functools
import json
import os
import time
import uuid

from bench.amd_model import decide
from bench.amd_score import beep_score, by_kind, meets_goal, score, table
from dialer.ari import AriError
from dialer.outbound import amd
from dialer.amd.classifier import ClassifierSettings
from dialer.amd import shell as amd_shell
from dialer.beep.shell import wait_for_beep
from dialer.lab import Lab, LabConfig
from dialer.lab.root import cache_dir
from dialer.lab.greetings import SEED, ensure_greetings, greetings_dir, load_manifest

# name -> AMD() settings; "shipped" is what [dialer-amd] uses with an empty DIALER_AMD.
SETTINGS = {
    "asterisk defaults": amd.ASTERISK_DEFAULTS,
    "shipped": amd.SHIPPED,
    "shipped + threshold 200": amd.settings({"silence_threshold": 200}),
    "shipped + after-greeting silence 800": amd.settings({"after_greeting_silence": 800}),
    "shipped + greeting 2000": amd.settings({"greeting": 2000}),
    "shipped + max words 3": amd.settings({"maximum_number_of_words": 3}),
    "shipped + analysis 6000": amd.settings({"total_analysis_time": 6000}),
}
CLASSIFIER = "classifier"  # the dialer's classifier, not an AMD() setting
BEEP_SILENCES = (850, 900, 700)  # DIALER_BEEP_SILENCE values measured (the first is shipped)


def number(item: dict) -> str:
    """...9nnn plays gnnn after Answer(); answered over ARI, ...69nnn plays gnnn and ...79nnn
    snnn (a held-out corpus clip); ...89nnn plays snnn after Answer()."""
    if item.get("prefix") is not None:
        return f"+121255{item['prefix'] * 1000 + item['slot']}"
    return f"+1212555{9000 + item['id']:04d}"


SIM_ANSWER = "sim-answer"  # the simulator's app for ...69nnn / ...79nnn (sim_extensions.conf)


async def answer_at_once(sim, event: dict) -> None:
    """The simulator's call to `SIM_ANSWER`, answered over ARI (which, unlike Answer(), does
    not wait for the caller's media) and sent back to its dialplan to play the greeting."""
    await sim.answer(event["channel"]["id"])
    await sim.continue_in_dialplan(event["channel"]["id"], label="answered")


def held_out_items(lab_root, quick: bool, prefix: int) -> list[dict]:
    """The classifier's held-out clips, written where the simulator plays them (s000...)."""
    from bench.amd_corpus import ensure_corpus, load

    clips = [i for i in load(ensure_corpus()) if i["split"] == "test"][::3 if quick else 1]
    folder = greetings_dir(lab_root)
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for slot, clip in enumerate(clips):
        (folder / f"s{slot:03d}.ulaw").write_bytes(clip["ulaw"])
        items.append({"slot": slot, "prefix": prefix, "name": f"s{slot:03d}", "clip": clip["name"],
                      "kind": clip["kind"], "label": clip["label"], "speech_end": clip["speech_end"],
                      "beep_end": clip["beep_end"], "voice": clip["voice"]})
    return items


def held_out_report(results: dict[str, list[dict]]) -> None:
    """The offline bench's table (bench/amd_classifier.py) for calls over the lab."""
    from bench.amd_classifier import by_kind as kinds, score as corpus_score, table as corpus_table

    scored = {}
    for name, rows in results.items():
        timed = [r for r in rows if r["decided"] is not None]
        missing = len(rows) - len(timed)
        converted = [{"label": r["label"], "kind": r["kind"], "speech_end": r["speech_end"],
                      "at": r["decided"],
                      "verdict": {"MACHINE": "machine", "SCREENING": "screening"}.get(r["status"], "human")}
                     for r in timed]
        scored[f"{name} (held out, over the lab)" + (f", {missing} calls without a verdict" if missing else "")] = \
            converted
    print(corpus_table({name: corpus_score(rows) for name, rows in scored.items()}))
    for name, rows in scored.items():
        print(f"\n{name}: right per kind: {json.dumps(kinds(rows))}")


def _ts(event: dict) -> float:
    return dt.datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


class Caller:
    """Places one call per greeting through [dialer-amd] and records what happened."""

    def __init__(self, client, trunk: str, sim=None):
        self.client, self.trunk = client, trunk
        self.calls: dict[str, dict] = {}
        self.done: dict[str, asyncio.Event] = {}
        self.by_greeting: dict[str, dict] = {}  # greeting name -> its call now
        self.tasks: set[asyncio.Task] = set()  # beep listeners
        if sim is not None:
            sim.on("ChannelUserevent", self._greeting_started)
        client.on("ChannelStateChange", self._state)
        client.on("StasisStart", self._stasis)
        client.on("PlaybackStarted", self._playback)
        client.on("ChannelDestroyed", self._destroyed)

    async def _greeting_started(self, e: dict) -> None:
        """The simulator is about to play the greeting: its t=0 (same host clock)."""
        call = self.by_greeting.get(e.get("userevent", {}).get("name", ""))
        if call is not None and e.get("eventname") == "greeting" and "audio" not in call:
            call["audio"] = _ts(e)

    async def _state(self, e: dict) -> None:
        call = self.calls.get(e["channel"]["id"])
        if call is not None and e["channel"]["state"] == "Up" and "up" not in call:
            call["up"] = _ts(e)

    async def _stasis(self, e: dict) -> None:
        cid = e["channel"]["id"]
        call = self.calls.get(cid)
        if call is None:
            return
        args = e.get("args", []) + ["", "", ""]
        call["status"], call["cause"], call["stasis"] = args[1] or None, args[2], _ts(e)
        if call.get("detector") == CLASSIFIER:
            self._spawn(self._classify(cid, call))
        elif call["message"] and call["status"] == "MACHINE" and call.get("detector") == "ari":
            self._spawn(self._after_beep(cid, call))
        elif call["message"] and call["status"] == "MACHINE":
            await self.client.play(cid, "sound:vm-goodbye", playback_id=f"{cid}-msg")
        else:
            await self.client.hangup(cid)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _classify(self, cid: str, call: dict) -> None:
        """What the dialer does with a classifier campaign's call (outbound/shell.py)."""
        decision, _ = await amd_shell.classify_then_beep(self.client, cid, self.client.app,
                                                         ClassifierSettings(), lambda d: False)
        call["classified"] = decision.at if decision else None  # s of audio fed
        call["status"] = decision.verdict.name if decision else None  # None: no audio
        call["confidence"] = decision.confidence if decision else None
        call["cause"] = f'heard "{decision.heard}"' if decision and decision.heard else None
        call["stasis"] = time.time()
        await self.client.hangup(cid)

    async def _after_beep(self, cid: str, call: dict) -> None:
        """What the dialer does (outbound/shell.py): listen for the beep, then play."""
        call["beep_how"], _ = await wait_for_beep(self.client, cid, self.client.app)
        try:
            await self.client.play(cid, "sound:vm-goodbye", playback_id=f"{cid}-msg")
        except AriError:
            pass  # the call went meanwhile

    async def _playback(self, e: dict) -> None:
        cid = e["playback"]["id"].removesuffix("-msg")
        if cid in self.calls:
            self.calls[cid]["played"] = _ts(e)
            await self.client.hangup(cid)

    async def _destroyed(self, e: dict) -> None:
        cid = e["channel"]["id"]
        if cid in self.done:
            self.done[cid].set()

    async def call(self, item: dict, variables: dict, message: bool,
                   detector: str = "silence") -> dict:
        cid = f"amdbench-{uuid.uuid4().hex[:12]}"
        self.calls[cid] = call = {"message": message, "detector": detector}
        self.by_greeting[item["name"]] = call
        self.done[cid] = asyncio.Event()
        await self.client.originate(f"PJSIP/{number(item)}@{self.trunk}", channel_id=cid,
                                    context="dialer-amd", extension="s", priority=1,
                                    timeout=15, variables=variables)
        try:
            await asyncio.wait_for(self.done[cid].wait(), 40)
        except asyncio.TimeoutError:
            await self.client.hangup(cid)
        # Times count from the greeting's start (what a real callee's answer is); without
        # the simulator's mark, from the PBX's answer.
        t0 = call.get("audio") or call.get("up")
        row = {"name": item["name"], "kind": item["kind"], "label": item["label"],
               "speech_end": item["speech_end"], "beep_end": item["beep_end"],
               "status": call.get("status"), "cause": call.get("cause"),
               "answer_to_audio": call["audio"] - call["up"] if "audio" in call and "up" in call
               else None,
               "decided": call["stasis"] - t0 if t0 and "stasis" in call else None,
               "message": call["played"] - t0 if t0 and "played" in call else None,
               "beep_how": call.get("beep_how"), "confidence": call.get("confidence"),
               "classified": call.get("classified")}
        del self.calls[cid], self.done[cid], self.by_greeting[item["name"]]
        return row


async def run_calls(caller: Caller, items: list[dict], variables: dict, message: bool,
                    concurrency: int, detector: str = "silence") -> list[dict]:
    gate = asyncio.Semaphore(concurrency)

    async def one(item):
        async with gate:
            return await caller.call(item, variables, message, detector)

    return await asyncio.gather(*(one(i) for i in items))


def offline(items: list[dict], settings: dict[str, dict]) -> dict[str, list[dict]]:
    out = {}
    for name, p in settings.items():
        rows = []
        for it in items:
            status, cause, ms = decide(it["levels"], p)
            rows.append({"name": it["name"], "kind": it["kind"], "label": it["label"],
                         "speech_end": it["speech_end"], "status": status, "cause": cause,
                         "decided": ms / 1000})
        out[name] = rows
    return out


def report(results: dict[str, list[dict]], beeps: dict, out: str | None) -> None:
    scores = {name: score(rows) for name, rows in results.items()}
    print(table(scores))
    for name, rows in results.items():
        kinds = ", ".join(f"{k} {r}/{t}" for k, (r, t) in by_kind(rows).items())
        print(f"\n{name}: right per kind: {kinds}")
    if CLASSIFIER in results:
        rows = results[CLASSIFIER]
        screening = collections.Counter(r["label"] for r in rows if r["status"] == "SCREENING")
        print(f"\nclassifier: called screening assistant: {screening['human']} humans, "
              f"{screening['machine']} machines; no audio (no verdict): "
              f"{sum(r['status'] is None for r in rows)}; decided by words: "
              + json.dumps(collections.Counter(f"{r['cause']} -> {r['label']}" for r in rows
                                               if r["cause"]).most_common()))
    for silence, rows in beeps.items():
        b = beep_score(rows)
        d50 = "-" if b["delay_p50"] is None else f"{b['delay_p50']:.2f}"
        d95 = "-" if b["delay_p95"] is None else f"{b['delay_p95']:.2f}"
        how = ("the dialer's beep detector (snoop + externalMedia)" if silence == "ari"
               else f"WaitForSilence {silence} ms")
        print(f"\nbeep (shipped AMD, {how}): {b['calls']} greetings with a "
              f"beep, message started on {b['started']} (the others were not called machine); "
              f"within 1 s after the beep: {100 * b['within']:.1f}%; before the beep ended: "
              f"{b['before_beep_end']}; later than 1 s: {b['late']}; delay after the beep "
              f"p50 {d50} s, p95 {d95} s")
        if silence == "ari":
            hows = collections.Counter(r.get("beep_how") for r in rows if r.get("beep_how"))
            print("  the listener's wait ended by: " + ", ".join(
                f"{k} {v}" for k, v in hows.most_common()))
    shipped = scores.get("shipped")
    if shipped:
        print(f"\nshipped defaults: goal {'met' if meets_goal(shipped) else 'missed'}")
    if out:
        with open(out, "w") as f:
            json.dump({"results": results, "beeps": {str(k): v for k, v in beeps.items()}}, f)


async def measure(args) -> None:
    cfg = LabConfig.from_env()
    cfg = LabConfig(name=args.lab_name or cfg.name, pbx_ip=args.pbx_ip or cfg.pbx_ip,
                    sim_ip=args.sim_ip or cfg.sim_ip, ari_port=cfg.ari_port)
    lab = Lab(cfg)
    # another seed offline: its own folder, the lab's set stays
    where = lab.root if args.seed == SEED or not args.offline else \
        cache_dir() / f"amd-seed-{args.seed}"
    if args.corpus == "held-out":
        if args.offline:
            raise SystemExit("--corpus held-out is measured offline by bench/amd_classifier.py")
        items = held_out_items(lab.root, args.quick, 79 if args.sim_answer == "ari" else 89)
    else:
        items = load_manifest(ensure_greetings(where, seed=args.seed))["items"]
        items = items[::3 if args.quick else 1]
        if args.sim_answer == "ari":
            items = [i | {"prefix": 69, "slot": i["id"]} for i in items]
    every = SETTINGS | {CLASSIFIER: {}}
    chosen = every if args.settings is None else \
        {n: every[n] for n in args.settings.split(",") if n}
    if args.offline:
        chosen.pop(CLASSIFIER, None)  # offline: bench/amd_classifier.py
        report(offline(items, chosen), {}, args.json)
        return
    from dialer.ari import AriClient

    if not all(inst.running() for inst in lab.instances()):
        lab.up(say=lambda *a: None)
    info = cfg.info()
    side, sim_side = info["pbx"], info["sim"]
    client = AriClient(side["ari_url"], side["ari_user"], side["ari_password"], "dialer")
    sim = AriClient(sim_side["ari_url"], sim_side["ari_user"], sim_side["ari_password"],
                    "amd-bench")
    caller = Caller(client, info["trunk"], sim)
    answerer = AriClient(sim_side["ari_url"], sim_side["ari_user"], sim_side["ari_password"],
                         SIM_ANSWER, subscribe_all=False)
    answerer.on("StasisStart", functools.partial(answer_at_once, answerer))
    client.start()
    sim.start()
    answerer.start()
    try:
        await asyncio.wait_for(client.connected.wait(), 10)
        await asyncio.wait_for(sim.connected.wait(), 10)
        await asyncio.wait_for(answerer.connected.wait(), 10)
        await client.subscribe("channel:")
        await sim.subscribe("channel:")
        results, beeps = {}, {}
        for name, p in chosen.items():
            t0, cpu = time.monotonic(), time.process_time()
            if name == CLASSIFIER:
                words = args.concurrency if args.words_calls is None else args.words_calls
                amd_shell.use_words(words)
                pool = amd_shell.spotter_pool()
                if pool is not None:
                    await asyncio.to_thread(pool.load, words)
                t0, cpu = time.monotonic(), time.process_time()
                results[name] = await run_calls(caller, items, {"DIALER_SKIP_AMD": "1"}, False,
                                                args.concurrency, CLASSIFIER)
                used = time.process_time() - cpu
                audio = sum(r["classified"] or 0.0 for r in results[name])
                print(f"# {name}: {len(items)} calls in {time.monotonic() - t0:.0f} s, {args.concurrency} "
                      f"at once, words for {words}: {used:.1f} s CPU of this process (RTP, ARI, "
                      f"classifier) for {audio:.0f} s of audio classified: "
                      f"{100 * used / audio:.2f}% of a core per call while it classifies", flush=True)
                continue
            results[name] = await run_calls(
                caller, items, {"DIALER_SKIP_AMD": "0", "DIALER_WAIT_BEEP": "0",
                                "DIALER_AMD": "" if name == "shipped"  # the dialplan's own
                                else ",".join(str(p[k]) for k in amd.PARAMS)},
                False, args.concurrency)
            print(f"# {name}: {len(items)} calls in {time.monotonic() - t0:.0f} s", flush=True)
        if not args.no_beep:
            with_beep = [i for i in items if i["beep_end"] is not None]
            if args.beep_detector in ("ari", "both"):
                beeps["ari"] = await run_calls(
                    caller, with_beep, {"DIALER_SKIP_AMD": "0", "DIALER_WAIT_BEEP": "0",
                                        "DIALER_AMD": ""}, True, args.concurrency, "ari")
            for silence in (args.beep_silences or BEEP_SILENCES
                            if args.beep_detector in ("silence", "both") else ()):
                beeps[silence] = await run_calls(
                    caller, with_beep, {"DIALER_SKIP_AMD": "0", "DIALER_WAIT_BEEP": "1",
                                        "DIALER_AMD": "", "DIALER_BEEP_SILENCE": str(silence)},
                    True, args.concurrency)
    finally:
        for c in (client, sim, answerer):
            await c.stop()
            await c.close()
    if args.corpus == "held-out":
        held_out_report(results)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"results": results}, f)
    else:
        report(results, beeps, args.json)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="every 3rd greeting")
    parser.add_argument("--offline", action="store_true",
                        help="app_amd's rule on the recorded frame levels, no calls")
    parser.add_argument("--settings", help="comma-separated names of: "
                        + ", ".join([*SETTINGS, CLASSIFIER]))
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"another greeting set (the defaults were chosen on {SEED})")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--words-calls", type=int, default=None,
                        help="calls spotted for words at once (default: --concurrency)")
    parser.add_argument("--no-beep", action="store_true", help="skip the beep measurement")
    parser.add_argument("--beep-silences", type=lambda v: [int(x) for x in v.split(",")],
                        help="DIALER_BEEP_SILENCE values to measure (ms, comma-separated)")
    parser.add_argument("--beep-detector", choices=("ari", "silence", "both"), default="both",
                        help="the message after the dialer's own beep detector "
                             "(beep/shell.py), the dialplan's WaitForSilence, or both")
    parser.add_argument("--corpus", choices=("lab", "held-out"), default="lab",
                        help="the lab's greeting set, or the classifier's held-out split "
                             "(bench/amd_corpus.py) played by the simulator")
    parser.add_argument("--sim-answer", choices=("ari", "dialplan"), default="ari",
                        help="the simulator answers over ARI (the greeting starts at the answer) "
                             "or with Answer() (0.5 s later: the measurements before issue 20's "
                             "lab runs)")
    parser.add_argument("--json", help="also write every call's row to this file")
    parser.add_argument("--lab-name", default=os.environ.get("DIALER_LAB_NAME"))
    parser.add_argument("--pbx-ip")
    parser.add_argument("--sim-ip")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()

"""The lab's three Asterisk instances, side by side in one sid root.

- pbx: configured from the shipped asterisk-conf/ files (so what admins install is what
  the tests exercise), with only addresses and ports rewritten for the lab.
- sim: the carrier and the agents' desk phones; its dialplan gives each test number a
  behaviour (see files/sim_extensions.conf).
- sim2: a second carrier ("carrier B", the PBX's endpoint carrier-b), the same dialplan:
  for trunks' failover and caps (dialer/trunks). `dialplan set global FAILING 503` on a
  carrier makes it answer every call with a 503.

Each instance keeps etc/run/log/spool under <root>/lab/<name>/<role> (asterisk -C).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from .root import LabError, cache_dir, default_root, ensure_root, module_dir

SHIPPED = Path(__file__).resolve().parents[1] / "asterisk_conf"  # asterisk-conf/, in the wheel too
SHIPPED_FILES = ("ari.conf", "http.conf", "extensions_dialer.conf", "pjsip_dialer.conf")
# Documentation addresses in the shipped samples that the lab points at the simulator.
SAMPLE_CARRIER = "203.0.113.10"
SAMPLE_PHONES = "203.0.113.20"
SHIPPED_ARI_USER = ("dialer", "change-me-now")
# Stock files from the sid package that the lab uses unchanged.
STOCK_FILES = ("indications.conf", "amd.conf", "features.conf")
LAB_AGENTS = 8  # agent1..agentN desk phones on the PBX, answered by the simulator
# agent101..: more desk phones for the benchmarks' floors (bench/soak.py), answered likewise
BENCH_PHONES = range(101, 101 + 96)
# Named apart from agent<N> so that no bench floor ever gets one: supervisors' desk phones
# (sup1 plays a steady 2100 Hz, sup2 is silent) and an agent's phone playing 1300 Hz, for
# the monitoring tests (sim_extensions.conf).
MONITOR_PHONES = ("sup1", "sup2", "tone1300")
SECOND_CARRIER = "carrier-b"  # the PBX's endpoint to sim2, beside the shipped "carrier"
RTP_PORTS = {"pbx": (10000, 19998), "sim": (20000, 29998), "sim2": (30000, 39998)}


@dataclass(frozen=True)
class LabConfig:
    name: str = "default"
    pbx_ip: str = "127.0.0.1"
    sim_ip: str = "127.0.0.2"
    sim2_ip: str = ""  # by default the address after the simulator's (each lab its own)
    ari_port: int = 8088  # every instance, each on its own address

    def __post_init__(self) -> None:
        if not self.sim2_ip:
            object.__setattr__(self, "sim2_ip", str(ipaddress.ip_address(self.sim_ip) + 1))

    @classmethod
    def from_env(cls) -> "LabConfig":
        env = os.environ
        return cls(
            name=env.get("DIALER_LAB_NAME", cls.name),
            pbx_ip=env.get("DIALER_LAB_PBX_IP", cls.pbx_ip),
            sim_ip=env.get("DIALER_LAB_SIM_IP", cls.sim_ip),
            sim2_ip=env.get("DIALER_LAB_SIM2_IP", ""),
            ari_port=int(env.get("DIALER_LAB_ARI_PORT", cls.ari_port)),
        )

    def info(self) -> dict:
        """What a test or `dialer serve` needs to reach the lab."""
        user, password = SHIPPED_ARI_USER
        return {
            "name": self.name,
            "pbx": {"ari_url": f"http://{self.pbx_ip}:{self.ari_port}", "ari_user": user,
                    "ari_password": password, "sip": f"{self.pbx_ip}:5060"},
            "sim": {"ari_url": f"http://{self.sim_ip}:{self.ari_port}", "ari_user": "sim",
                    "ari_password": "sim", "sip": f"{self.sim_ip}:5060"},
            "sim2": {"ari_url": f"http://{self.sim2_ip}:{self.ari_port}", "ari_user": "sim",
                     "ari_password": "sim", "sip": f"{self.sim2_ip}:5060"},
            "trunk": "carrier",
            "trunks": ["carrier", SECOND_CARRIER],
            "agents": [f"PJSIP/agent{i}" for i in range(1, LAB_AGENTS + 1)],
        }


def _template(name: str) -> str:
    return resources.files("dialer.lab").joinpath("files", name).read_text()


def _fill(text: str, **values) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    return text


class Instance:
    """One Asterisk process of the lab."""

    def __init__(self, root: Path, cfg: LabConfig, role: str):
        self.root, self.cfg, self.role = root, cfg, role
        self.inner = f"/lab/{cfg.name}/{role}"  # path as Asterisk sees it, inside the chroot
        self.dir = root / self.inner.lstrip("/")
        self.ip = {"pbx": cfg.pbx_ip, "sim": cfg.sim_ip, "sim2": cfg.sim2_ip}[role]

    @property
    def conf(self) -> str:
        return f"{self.inner}/etc/asterisk.conf"

    def write_config(self) -> None:
        etc = self.dir / "etc"
        shutil.rmtree(etc, ignore_errors=True)
        # spool/recording: where ARI recordings go (the Debian package makes it on a real PBX)
        for sub in ("etc", "run", "log/cdr-csv", "spool/recording", "lib/keys", "cache"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "log/messages.log").unlink(missing_ok=True)
        pbx = self.role == "pbx"
        files = {
            "asterisk.conf": _fill(_template("asterisk.conf"), DIR=self.inner,
                                   MODDIR=module_dir(self.root),
                                   TRANSMIT_SILENCE="no" if pbx else "yes"),
            "modules.conf": _template("modules.conf"),
            "logger.conf": _template("logger.conf"),
            "cdr.conf": _template("cdr.conf"),  # log/cdr-csv/Master.csv
            "rtp.conf": _fill(_template("rtp.conf"), RTP_START=RTP_PORTS[self.role][0],
                              RTP_END=RTP_PORTS[self.role][1]),
        }
        if pbx:
            files.update(self._pbx_files())
        else:
            files.update({
                "extensions.conf": _template("sim_extensions.conf"),
                "pjsip.conf": _fill(_template("sim_pjsip.conf"), SIM_IP=self.ip,
                                    PBX_IP=self.cfg.pbx_ip),
                "ari.conf": _template("sim_ari.conf"),
                "http.conf": self._http_conf(),
            })
        for name in STOCK_FILES:
            shutil.copy(self.root / "etc/asterisk" / name, etc / name)
        for name, text in files.items():
            (etc / name).write_text(text)

    def _http_conf(self) -> str:
        return (f"[general]\nenabled = yes\nbindaddr = {self.ip}\n"
                f"bindport = {self.cfg.ari_port}\n")

    def _pbx_files(self) -> dict[str, str]:
        shipped = {n: (SHIPPED / n).read_text() for n in SHIPPED_FILES}
        shipped["pjsip_dialer.conf"] = (
            shipped["pjsip_dialer.conf"]
            .replace("bind = 0.0.0.0:5060", f"bind = {self.cfg.pbx_ip}:5060")
            .replace(SAMPLE_CARRIER, self.cfg.sim_ip)
            .replace(SAMPLE_PHONES, self.cfg.sim_ip))
        shipped["http.conf"] = (shipped["http.conf"]
                                .replace("bindaddr = 127.0.0.1", f"bindaddr = {self.ip}")
                                .replace("bindport = 8088", f"bindport = {self.cfg.ari_port}"))
        # More desk phones than the sample's two, built from the shipped templates.
        agents = "".join(
            f"\n[{name}](agent-phone)\naors = {name}\n"
            f"[{name}](agent-aor)\ncontact = sip:{name}@{self.cfg.sim_ip}:5060\n"
            for name in (*(f"agent{i}" for i in (*range(3, LAB_AGENTS + 1), *BENCH_PHONES)),
                         *MONITOR_PHONES))
        shipped.update({
            "extensions.conf": "[general]\nstatic = yes\n\n#include extensions_dialer.conf\n",
            "pjsip.conf": "#include pjsip_dialer.conf\n#include pjsip_lab.conf\n",
            "pjsip_lab.conf": "; lab-only desk phones\n" + agents + self._second_carrier(),
        })
        return shipped

    def _second_carrier(self) -> str:
        """carrier-b, to sim2: the shipped trunk's settings (its template: the sample's
        [carrier] endpoint section), its own address."""
        return (f"\n; the second carrier (sim2)\n[{SECOND_CARRIER}]\ntype = endpoint\n"
                "transport = transport-udp\ncontext = dialer-inbound\ndisallow = all\n"
                f"allow = ulaw,alaw\naors = {SECOND_CARRIER}\ndirect_media = no\n"
                "send_rpid = yes\ntrust_id_outbound = yes\nrtp_timeout = 120\n"
                f"[{SECOND_CARRIER}]\ntype = aor\ncontact = sip:{self.cfg.sim2_ip}:5060\n"
                f"[{SECOND_CARRIER}]\ntype = identify\nendpoint = {SECOND_CARRIER}\n"
                f"match = {self.cfg.sim2_ip}\n")

    # ---- process control ------------------------------------------------------
    def asterisk(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run(["chroot", str(self.root), "/usr/sbin/asterisk", "-C", self.conf,
                               *args], capture_output=True, text=True, timeout=timeout)

    def rx(self, command: str, timeout: float = 20) -> str:
        """Run a CLI command in the running instance and return its output."""
        res = self.asterisk("-rx", command, timeout=timeout)
        if res.returncode != 0:
            raise LabError(f"{self.role}: '{command}' failed: {res.stderr or res.stdout}")
        return res.stdout

    def running(self) -> bool:
        if not (self.dir / "run/asterisk.ctl").exists():
            return False
        try:
            return self.asterisk("-rx", "core show version", timeout=5).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def start(self) -> None:
        log = open(self.dir / "log" / "console.log", "ab")
        subprocess.Popen(["chroot", str(self.root), "/usr/sbin/asterisk", "-C", self.conf,
                          "-f", "-n", "-q"], stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running():
                try:
                    self.rx("core waitfullybooted", timeout=timeout)
                    return
                except (LabError, subprocess.TimeoutExpired):
                    pass
            time.sleep(0.2)
        raise LabError(f"{self.role} did not start in {timeout:.0f} s; see "
                       f"{self.dir / 'log'}")

    def pid(self) -> int | None:
        try:
            return int((self.dir / "run/asterisk.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout: float = 15) -> None:
        pid = self.pid()
        if self.running():
            try:
                self.asterisk("-rx", "core stop now", timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + timeout
        while pid and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid and _alive(pid):
            os.kill(pid, 9)
        for stale in ("asterisk.ctl", "asterisk.pid"):
            (self.dir / "run" / stale).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie left by a parent that never waited counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _ari_ready(url: str, user: str, password: str) -> bool:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    req = urllib.request.Request(url + "/ari/asterisk/info",
                                 headers={"Authorization": "Basic " + token})
    try:
        with urllib.request.urlopen(req, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


class Lab:
    """The PBX and the simulator, started and stopped together."""

    def __init__(self, cfg: LabConfig | None = None, root: Path | None = None):
        self.cfg = cfg or LabConfig.from_env()
        self.root = Path(root or default_root())
        self.pbx = Instance(self.root, self.cfg, "pbx")
        self.sim = Instance(self.root, self.cfg, "sim")
        self.sim2 = Instance(self.root, self.cfg, "sim2")
        self.state_file = cache_dir() / f"lab-{self.cfg.name}.json"

    def instances(self) -> tuple[Instance, Instance, Instance]:
        return self.pbx, self.sim, self.sim2

    def up(self, say=print) -> dict:
        """Start both instances afresh (running ones are stopped first, cutting their
        calls) on newly written configuration."""
        ensure_root(self.root, say=say)
        for inst in self.instances():
            if inst.running():
                inst.stop()
        return self._start(self.instances())

    def ensure_up(self, say=print) -> dict:
        """Start the instances that are not running; running ones, their configuration
        and their calls are left as they are (`dialer serve --lab` restarted by systemd
        must not cut the calls it is about to take back)."""
        ensure_root(self.root, say=say)
        stopped = [inst for inst in self.instances() if not inst.running()]
        for inst in self.instances():
            if inst not in stopped:
                say(f"lab: {inst.role} already running (pid {inst.pid()}), left as it is")
        return self._start(stopped)

    def _start(self, instances) -> dict:
        for inst in instances:
            inst.write_config()
            inst.start()
        for inst in instances:
            inst.wait_ready()
        info = self.cfg.info()
        # the dialer's audio prompts: written here, read by the PBX at the path inside its root
        prompts = self.pbx.dir / "prompts"
        prompts.mkdir(exist_ok=True)
        info["pbx"] |= {"prompts_dir": str(prompts), "prompts_pbx_dir": f"{self.pbx.inner}/prompts"}
        for role in ("pbx", "sim", "sim2"):
            self._wait_ari(info[role])
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(info, indent=2))
        return info

    def _wait_ari(self, side: dict, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not _ari_ready(side["ari_url"], side["ari_user"], side["ari_password"]):
            if time.monotonic() > deadline:
                raise LabError(f"ARI at {side['ari_url']} did not answer")
            time.sleep(0.2)

    def down(self) -> None:
        for inst in self.instances():
            inst.stop()
        self.state_file.unlink(missing_ok=True)

    def restart_pbx(self) -> None:
        """Stop and start the PBX alone (fault tests: Asterisk restarted)."""
        self.pbx.stop()
        self.pbx.start()
        self.pbx.wait_ready()
        self._wait_ari(self.cfg.info()["pbx"])

    def status(self) -> dict:
        return {inst.role: inst.running() for inst in self.instances()} | {
            "config": asdict(self.cfg)}

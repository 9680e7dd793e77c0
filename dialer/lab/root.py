"""The lab's Debian sid root: Debian 12 has no Asterisk package, sid has Asterisk 22.

Built once with debootstrap and cached (default ~/.cache/dialer-lab/root); rebuilt only
when missing, topped up with apt inside the chroot when the package list grows.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("asterisk", "asterisk-core-sounds-en-wav", "sox")
STAMP = ".dialer-lab-packages"


class LabError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("DIALER_LAB_CACHE", Path.home() / ".cache" / "dialer-lab"))


def default_root() -> Path:
    return Path(os.environ.get("DIALER_LAB_ROOT", cache_dir() / "root"))


def apt_mirror(sources_dir: str = "/etc/apt/sources.list.d",
               sources_list: str = "/etc/apt/sources.list") -> str:
    """The Debian mirror this machine's apt already uses (never hard-coded in the repo)."""
    if os.environ.get("DIALER_LAB_MIRROR"):
        return os.environ["DIALER_LAB_MIRROR"]
    for path in sorted(glob.glob(os.path.join(sources_dir, "*.sources"))):
        for stanza in Path(path).read_text().split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.+)$", stanza, re.M))
            if "deb" not in fields.get("Types", "").split():
                continue
            if "security" in fields.get("Suites", "") + fields.get("URIs", ""):
                continue
            if fields.get("URIs"):
                return fields["URIs"].split()[0]
    if os.path.exists(sources_list):
        for line in Path(sources_list).read_text().splitlines():
            m = re.match(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line.strip())
            if m and "security" not in m.group(1) + m.group(2):
                return m.group(1)
    raise LabError("no Debian mirror in apt's configuration; set DIALER_LAB_MIRROR")


def _run(cmd: list[str], log: Path) -> None:
    with open(log, "ab") as out:
        rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT)
    if rc != 0:
        raise LabError(f"{' '.join(cmd[:3])} ... failed (exit {rc}); see {log}")


def _ensure_debootstrap(log: Path) -> None:
    if shutil.which("debootstrap"):
        return
    if os.geteuid() != 0:
        raise LabError("debootstrap is missing; install it (apt-get install debootstrap)")
    _run(["apt-get", "update", "-q"], log)
    _run(["apt-get", "install", "-y", "-q", "debootstrap"], log)


def ensure_root(root: Path | None = None, packages: tuple[str, ...] = PACKAGES,
                say=print) -> Path:
    """Return a sid root holding `packages`, building or topping it up as needed."""
    root = Path(root or default_root())
    wanted = "\n".join(sorted(packages))
    stamp = root / STAMP
    if stamp.exists() and stamp.read_text() == wanted:
        return root
    if os.geteuid() != 0:
        raise LabError("building the lab root needs root (debootstrap, chroot)")
    root.parent.mkdir(parents=True, exist_ok=True)
    log = root.parent / "build.log"
    if not (root / "usr/sbin/asterisk").exists():
        _ensure_debootstrap(log)
        tmp = root.with_name(root.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        mirror = apt_mirror()
        say(f"lab: building Debian sid root in {root} from {mirror} (about a minute)")
        _run(["debootstrap", "--variant=minbase", "--include=" + ",".join(packages),
              "sid", str(tmp), mirror], log)
        shutil.rmtree(root, ignore_errors=True)
        tmp.rename(root)
    else:
        say(f"lab: installing {' '.join(packages)} into {root}")
        shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
        # The mirror may be a dated snapshot whose Release file has expired.
        apt = ["chroot", str(root), "apt-get", "-q", "-o", "Acquire::Check-Valid-Until=false"]
        _run([*apt, "update"], log)
        _run([*apt, "install", "-y", *packages], log)
    stamp.write_text(wanted)
    return root


def module_dir(root: Path) -> str:
    """Asterisk's module folder inside the root (its name carries the architecture)."""
    found = glob.glob(str(root / "usr/lib/*/asterisk/modules"))
    if not found:
        raise LabError(f"no Asterisk modules under {root}")
    return "/" + os.path.relpath(found[0], root)

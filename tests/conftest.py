"""Suite-wide rules. Under CI a skipped test is a failure: nothing skipped counts as done.
A run that has printed its results must also end: a thread still working then is shown.
Run in parallel (`pytest -n 2`, as `./dev test` does), each worker has a lab of its own and
a test file never leaves its worker."""
import faulthandler
import ipaddress
import os
import sys
import threading
import traceback

import pytest
from hypothesis import settings

from dialer.lab import LabConfig
from tests.lab_calls import SECOND_LAB

# No per-example deadline: on two busy cores a slow example is load, not a bug.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

# Test files that write the same files of the shared lab root (<root>/lab/greetings) run on
# one worker, one after the other.
SHARED_GREETINGS = {"test_amd_lab.py", "test_amd_classifier_lab.py", "test_beep_lab.py"}


def pytest_configure(config):
    """Worker gwN (N > 0) gets labs of its own (the lab, and the second one of the two-node
    tests): their names suffixed, their addresses N * 16 further on (127.0.0.1-3 become
    127.0.0.17-19 for gw1). The `dialer serve` subprocesses inherit them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    n = int(worker.removeprefix("gw") or 0)
    if n == 0:
        return
    for prefix, cfg in (("DIALER_LAB", LabConfig()), ("DIALER_LAB2", SECOND_LAB)):
        pbx = ipaddress.ip_address(os.environ.get(f"{prefix}_PBX_IP", cfg.pbx_ip)) + 16 * n
        sim = ipaddress.ip_address(os.environ.get(f"{prefix}_SIM_IP", cfg.sim_ip)) + 16 * n
        os.environ.update({f"{prefix}_NAME": f"{os.environ.get(f'{prefix}_NAME', cfg.name)}-{worker}",
                           f"{prefix}_PBX_IP": str(pbx), f"{prefix}_SIM_IP": str(sim)})
        os.environ.pop(f"{prefix}_SIM2_IP", None)  # then the address after the simulator's


def pytest_collection_modifyitems(config, items):
    """Under `--dist loadgroup`, a file is a group: its module fixtures are set up once, on
    one worker."""
    for item in items:
        name = item.path.name
        item.add_marker(pytest.mark.xdist_group("greetings" if name in SHARED_GREETINGS
                                                else str(item.path)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI: {report.longrepr}"


def pytest_unconfigure(config):
    """Python waits for every non-daemon thread (executor workers too) before it exits, so a
    thread blocked for good would hold CI until its time limit. Print what is still running,
    and if the process has not ended two minutes later, print every stack and exit."""
    frames = sys._current_frames()
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon or thread.ident not in frames:
            continue
        stack = "".join(traceback.format_stack(frames[thread.ident])[-4:])
        print(f"\nstill running at exit: {thread.name}\n{stack}", file=sys.__stderr__)
    faulthandler.dump_traceback_later(120, exit=True, file=sys.__stderr__)

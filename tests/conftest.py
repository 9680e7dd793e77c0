"""Suite-wide rules. Under CI a skipped test is a failure: nothing skipped counts as done.
A run that has printed its results must also end: a thread still working then is shown."""
import faulthandler
import os
import sys
import threading
import traceback

import pytest


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

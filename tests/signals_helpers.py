"""A posecoach command in a child process, signalled mid-run, for the signal tests (tests/cli and
tests/e2e): waiting for it to reach a point, sending the signal, and never leaving a child behind."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator


def wait_while_running(child: subprocess.Popen, reached: Callable[[], object], seconds: float,
                       poll_s: float = 0.1) -> None:
    """Until `reached()` is true, the child has ended, or `seconds` have gone by (the caller asserts which)."""
    deadline = time.monotonic() + seconds
    while not reached() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(poll_s)


def signal_and_wait(child: subprocess.Popen, signum: int, seconds: float = 60) -> str | None:
    """Sends `signum` and waits for the child to end: what it wrote to stderr (None when not piped)."""
    child.send_signal(signum)
    return child.communicate(timeout=seconds)[1]


@contextlib.contextmanager
def reaped(child: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """The child, killed and waited for on the way out if it still runs (a failed assertion, a timeout)."""
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

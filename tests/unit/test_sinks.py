"""BackgroundSink: another sink's writes on their own thread, in order, with failures brought back."""

from __future__ import annotations

import threading

import pytest

from posecoach.errors import OutputError
from posecoach.sinks.video import BackgroundSink


class Recording:
    def __init__(self, fail_at: int | None = None, gate: threading.Event | None = None) -> None:
        self.steps, self.closed, self.threads = [], None, set()
        self.fail_at, self.gate = fail_at, gate

    def write(self, step) -> None:
        if self.gate is not None:
            self.gate.wait()
        self.threads.add(threading.current_thread().name)
        if step == self.fail_at:
            raise OutputError("out.mp4: the disk is full")
        self.steps.append(step)

    def close(self, final_events, partial) -> None:
        self.closed = (final_events, partial)


def test_every_step_is_written_in_order_off_the_loop_thread_before_close_returns():
    inner = Recording()
    sink = BackgroundSink(inner, depth=4)
    for step in range(100):
        sink.write(step)
    sink.close(["final"], False)
    assert inner.steps == list(range(100))
    assert inner.threads == {"posecoach-sink"}
    assert inner.closed == (["final"], False)


def test_the_loop_waits_only_when_depth_steps_are_waiting():
    gate = threading.Event()
    inner = Recording(gate=gate)
    sink = BackgroundSink(inner, depth=2)
    writer = threading.Thread(target=lambda: [sink.write(s) for s in range(4)])
    writer.start()
    writer.join(timeout=0.5)
    assert writer.is_alive()  # one step being written, two waiting: the fourth waits for room
    gate.set()
    writer.join()
    sink.close([], False)
    assert inner.steps == [0, 1, 2, 3]


def test_a_failure_is_raised_at_the_next_write_and_nothing_more_is_written():
    inner = Recording(fail_at=3)
    sink = BackgroundSink(inner, depth=1)
    with pytest.raises(OutputError, match="disk is full"):
        for step in range(50):
            sink.write(step)
    sink.close([], True)
    assert inner.steps == [0, 1, 2]
    assert inner.closed == ([], True)


def test_a_failure_in_the_last_steps_is_raised_at_close_after_closing_the_sink():
    inner = Recording(fail_at=1)
    sink = BackgroundSink(inner)
    sink.write(0)
    sink.write(1)
    with pytest.raises(OutputError, match="disk is full"):
        sink.close([], False)
    assert inner.closed == ([], False) and inner.steps == [0]

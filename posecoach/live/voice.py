"""What the session says aloud, as plain text: the cards, the count, the holds, the questions.

Pure: state and numbers in, phrases out. The speech engine (`posecoach.live.ui.sound.Speech`) reads
units as words ("3 s" becomes "3 seconds") and lets safety phrases interrupt the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from posecoach.exercise.position import POSITIONS
from posecoach.live.gestures import GESTURE_HINTS
from posecoach.live.signals import Key
from posecoach.live.state import FlowState

AWAY = "I can't see you. Come back into view."
BACK = "Welcome back. Carry on."
STOP = "Stop and rest."
WORSE = ("Is your pain worse than before? One hand on your head for yes, one hand on the other shoulder for no, "
         "or Y or N at the keyboard.")
PAIN_AFTER = ("Session finished. How is your pain now? Rate it from 0 to 10 at the keyboard, or from the mat: "
              "is it worse than before? One hand on your head for yes, one hand on the other shoulder for no.")
HOLD_EVERY_S = 5  # a hold's time left is said every 5 seconds


def stop_how(key_label: str) -> str:
    """How to stop, for the rule said before the first exercise: the key and the gesture."""
    return f"{key_label}, or put both hands on your head"


def card(state: FlowState) -> tuple[str, ...]:
    """The instruction card of the exercise at `state.index`, as it is read aloud."""
    item = state.item
    spec = item.spec
    getting_up = POSITIONS[spec.position].getting_up
    lines = [f"Exercise {state.index + 1} of {len(state.plan.items)}: {spec.name}. {item.dose_text()}.",
             f"Camera: {spec.view} view. {spec.setup}", *([item.note] if item.note else []), *spec.instructions,
             *([getting_up] if getting_up else [])]
    if state.index == 0:
        lines.append(f"From the mat: {GESTURE_HINTS[Key.HURT]}; {GESTURE_HINTS[Key.PAUSE]}.")
    return tuple(lines)


def counting(before: Mapping[str, int], after: Mapping[str, int], sounds: list[str],
             open_hold_s: Mapping[str, float], hold_target_s: float | None, said: str) -> tuple[list[str], str]:
    """Each rep's number, a hold's time left every few seconds and its end. Returns (phrases, what was said
    last about the hold, so the same time is not said twice)."""
    lines = [str(n) for key, n in after.items() if n > before.get(key, 0)]
    if "hold" in sounds:
        lines.append("Time. Now relax.")
    held = max(open_hold_s.values(), default=0.0)
    if not hold_target_s or held <= 0.0:
        return lines, ""
    left = math.ceil((hold_target_s - held) / HOLD_EVERY_S - 1e-9) * HOLD_EVERY_S  # the 5-second mark to come
    mark = f"hold:{left}"
    if not said.startswith("hold:"):
        return lines + ["Hold"], mark
    if left < int(said[5:]) and left > 0:
        lines.append(f"{left} s left")
    return lines, mark


def summary(completed: bool, stop_reason: str | None) -> str:
    if completed and not stop_reason:
        return "Completed: well done. What you did is saved."
    return "The session has ended. What you did is saved."

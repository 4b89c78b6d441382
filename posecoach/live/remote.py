"""The body as the remote control: what a gesture means on each screen, and what is said back.

The gesture detector (`gestures.py`) gives one of its keys when a gesture is held to the end;
this table turns it into the key the flow already understands on the screen shown, or into
nothing. The red-flag questions and the first pain rating are answered at the laptop: no
gesture works there. Pure: no pose, no clock.
"""

from __future__ import annotations

from posecoach.live.signals import Key
from posecoach.live.state import HURT_STAGES, PAUSABLE, Stage

# "Next" goes on where a screen waits (a card, a rest, a notice) and skips the exercise under way.
_GOES_ON = frozenset({Stage.CARD, Stage.BREAK, Stage.REST, Stage.RULES, Stage.HURT, Stage.SUMMARY})
_SKIPS = frozenset({Stage.SETUP, Stage.COUNTDOWN, Stage.ACTIVE})
_ASKS = frozenset({Stage.PAIN_CHECK, Stage.LEG_CHECK, Stage.PAIN_AFTER})  # yes/no questions from the mat
_AT_THE_MAT = HURT_STAGES | _GOES_ON | _ASKS


def gesture_key(stage: Stage, gesture: Key) -> Key | None:
    """The key a gesture stands for on this screen; None where it means nothing."""
    if stage not in _AT_THE_MAT:
        return None
    if gesture is Key.MUTE:
        return Key.MUTE
    if gesture is Key.HURT:
        if stage is Stage.PAIN_AFTER:
            return Key.YES  # it hurts, at the end: the pain is worse
        return Key.HURT if stage in HURT_STAGES else None
    if gesture is Key.PAUSE:
        return Key.PAUSE if stage in PAUSABLE else None
    if gesture is Key.SKIP:
        return Key.CONFIRM if stage in _GOES_ON else Key.SKIP if stage in _SKIPS else None
    if gesture in (Key.YES, Key.NO):
        return gesture if stage in _ASKS else None
    return None


def confirmation(key: Key, paused: bool, muted: bool) -> str:
    """Said as a gesture is taken, so the person on the mat knows it was seen."""
    if key is Key.PAUSE:
        return "Paused" if paused else "Going on"
    if key is Key.MUTE:
        return "" if muted else "Sound on"
    return {Key.HURT: "Stopping", Key.CONFIRM: "Next", Key.SKIP: "Skipping", Key.YES: "Yes",
            Key.NO: "No"}.get(key, "")

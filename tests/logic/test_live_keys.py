"""The window's keys: Caps Lock and Shift change no key's meaning, and a held key is a repeat."""

import pytest

from posecoach.live.signals import KEY_LABELS, Key, Press, SetPain
from posecoach.live.ui.window import SHIFTED_DIGITS, RepeatFilter, _keymap

KEYS = _keymap()


@pytest.mark.parametrize("key", [k for k, label in KEY_LABELS.items() if label.isalpha() and len(label) == 1])
def test_caps_lock_and_shift_do_not_disable_a_letter_key(key):
    label = KEY_LABELS[key]
    assert KEYS[ord(label.lower())] == KEYS[ord(label.upper())] == Press(key)


def test_every_answer_key_of_the_safety_screen_is_mapped():
    for key in (Key.YES, Key.NO, Key.UNSURE, Key.BACK, Key.CONFIRM, Key.QUIT):
        assert Press(key) in KEYS.values()


@pytest.mark.parametrize("n", range(10))
def test_shift_does_not_disable_the_pain_digits(n):
    assert KEYS[ord(str(n))] == KEYS[ord(SHIFTED_DIGITS[n])] == SetPain(n)


def test_plus_and_minus_work_with_and_without_shift():
    assert KEYS[ord("+")] == KEYS[ord("=")] == Press(Key.UP)
    assert KEYS[ord("-")] == KEYS[ord("_")] == Press(Key.DOWN)


def test_a_held_key_is_a_repeat_until_it_is_let_go():
    f = RepeatFilter(gap_s=0.75)
    n = Press(Key.NO)
    # First press, then the OS's auto-repeat after 0.5 s and every 33 ms while held.
    times = [0.0, 0.5] + [0.5 + 0.033 * i for i in range(1, 30)]
    marked = [f.mark(n, t) for t in times]
    assert marked[0] == n and all(m == Press(Key.NO, repeat=True) for m in marked[1:])
    assert f.mark(n, times[-1] + 1.0) == n  # let go, pressed again a second later: a new press


def test_a_double_press_is_a_repeat_but_another_key_is_not():
    f = RepeatFilter(gap_s=0.75)
    assert f.mark(Press(Key.NO), 10.0) == Press(Key.NO)
    assert f.mark(Press(Key.NO), 10.2).repeat
    assert f.mark(Press(Key.YES), 10.3) == Press(Key.YES)
    assert f.mark(SetPain(3), 10.4) == SetPain(3) and f.mark(SetPain(3), 10.5) == SetPain(3)  # only keys are marked

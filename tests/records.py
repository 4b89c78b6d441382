"""History records as a finished session leaves them, for the history's tests."""

import datetime as dt

from posecoach.live.history import ExerciseRecord, exercise_values
from posecoach.live.history_journal import SessionKeeper

T0 = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)


def bridge(reps=8, status="done", issues=None, position=0) -> ExerciseRecord:
    return ExerciseRecord(position=position, exercise="glute_bridge", name="Glute bridge", status=status,
                          unit="reps", target=8, sets=1, reps={"left": 0, "right": 0, "both": reps},
                          good_reps=reps - 1, holds=reps, hold_s={"left": 0.0, "right": 0.0, "both": 3.5 * reps},
                          best_hold_s=4.2,
                          form_issues=issues or {"Lift your hips a little higher": 1}, duration_s=60.0, pain=3)


def knee_to_chest() -> ExerciseRecord:
    return ExerciseRecord(position=1, exercise="knee_to_chest", name="Knee to chest", status="partial",
                          unit="holds", target=3, sets=1, reps={"left": 0, "right": 0, "both": 0}, holds=4,
                          hold_s={"left": 62.0, "right": 21.0, "both": 0.0}, best_hold_s=22.0, duration_s=95.0)


def whole_session(history, routine: str, routine_name: str, at: dt.datetime, pain_before: int | None,
                  records: tuple[ExerciseRecord, ...] = (), pain_after: int | None = None, completed: bool = True,
                  stop_reason: str | None = None, source: str = "") -> int:
    """A session written as `posecoach live` writes it (SessionKeeper): started, each exercise as it
    ends, ended; returns its id. Pass `completed=None` for one that never ended (a crash)."""
    keeper = SessionKeeper(history)
    keeper.start(routine, routine_name, at, pain_before, source)
    for record in records:
        keeper.add_exercise(exercise_values(record), at)
    if completed is not None:
        keeper.end(at, pain_after, completed, stop_reason)
    assert keeper.saved, keeper.unsaved_error()
    return keeper.session_id

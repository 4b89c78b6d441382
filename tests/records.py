"""History records as a finished session leaves them, for the history's tests."""

import datetime as dt

from posecoach.live.history import ExerciseRecord

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

"""The report assembled from tracker events."""

from posecoach.exercise.catalogue import load_exercise, load_exercise_file
from posecoach.exercise.events import HoldEnded, RepCompleted
from posecoach.sinks.report import ReportBuilder
from posecoach.types import SourceInfo

from conftest import ROOT

INFO = SourceInfo("clip.mp4", 30.0, 300, (640, 360))


def test_one_sided_exercise_counts_per_side_and_flags_shortfalls():
    builder = ReportBuilder(load_exercise("knee_to_chest"), INFO)
    events = [RepCompleted(5.0, "left", 1.0, 5.0, 4.0),
              RepCompleted(9.0, "left", 6.0, 9.0, 1.0, issues=("short_hold",)),
              RepCompleted(12.0, "right", 10.0, 12.0, 2.0), HoldEnded(5.0, "left", 1.5, 4.5)]
    for i in range(300):
        builder.add(i * 0.0333, i % 3 != 0, events if i == 100 else [], None)
    report = builder.result()
    assert report["reps"] == {"total": 3, "good": 2, "left": 2, "right": 1}
    assert report["frames"] == 300 and report["frames_with_pose"] == 200
    assert report["duration_s"] == 10.0
    target = load_exercise("knee_to_chest").targets.hold_s
    assert report["rep_events"][1]["issues"] == [f"Hold a little longer: aim for {target:g} s"]
    assert report["rep_events"][1]["good"] is False
    assert report["holds"] == [{"start_s": 1.5, "end_s": 4.5, "duration_s": 3.0, "side": "left"}]
    assert "direction" not in report["rep_events"][0]


def test_circles_are_counted_per_direction():
    spec = load_exercise_file(ROOT / "tests" / "data" / "circles_from_above.toml")
    clockwise, anticlockwise = spec.rep.directions[1], spec.rep.directions[0]
    builder = ReportBuilder(spec, INFO)
    builder.add_events([RepCompleted(float(i), None, i - 1.0, float(i), None, direction=d)
                        for i, d in enumerate([clockwise] * 2 + [anticlockwise] * 3, 1)])
    report = builder.result()
    assert report["reps"]["total"] == 5
    assert report["reps"]["by_direction"] == {anticlockwise: 3, clockwise: 2}
    assert [e["direction"] for e in report["rep_events"]] == [clockwise] * 2 + [anticlockwise] * 3
    assert report["reps"]["left"] is None


def test_the_wrong_view_outranks_a_hidden_joint_on_screen():
    from posecoach.cues import CueBoard, cues_from_events
    from posecoach.exercise.events import CannotSee, WrongView

    spec, board = load_exercise("glute_bridge"), CueBoard()
    board.offer(cues_from_events(spec, [CannotSee(0.5, "I can't see your right ankle")]), 0.5)
    shown = board.offer(cues_from_events(spec, [WrongView(1.5, "Turn so your side faces the camera")]), 1.5)
    assert shown is not None and shown.message == "Turn so your side faces the camera"

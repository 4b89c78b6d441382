"""The live session runner without the model or a camera: synthetic poses, a fake frame source."""

import os
import sqlite3
import threading
import time

import numpy as np
import pytest

from posecoach.errors import PosecoachError, SourceError, UserError
from posecoach.exercise.catalogue import load_exercise
from posecoach.live import answers as ans
from posecoach.live.flow import FlowSettings, Stage
from posecoach.live.followups import FollowUpStore
from posecoach.live.history import History
from posecoach.live.plan import plan_for_exercise
from posecoach.live.safety import Scope
from posecoach.live.setup import assess_setup
from posecoach.live.ui.session import Devices, LiveSession
from posecoach.live.ui.window import HeadlessUI
from posecoach.sources.capture import LatestFrame, OpenedSource, open_camera, paced
from posecoach.types import Frame

from synthetic import bridge_track

FAST = FlowSettings(countdown_s=0.5, setup_ok_s=0.3, set_rest_s=1.0, exercise_rest_s=1.0, answer_pause_s=0.1)
IMAGE = np.zeros((72, 128, 3), np.uint8)


class TrackCamera:
    """Frames of a synthetic bridge track with a small blank image; the estimator returns its poses."""

    def __init__(self, reps: int = 3, gaps=(), fail_at: int | None = None) -> None:
        self.poses = {f.index: p for f, p in bridge_track(reps=reps, gaps=gaps).poses()}
        self.fail_at = fail_at

    def frames(self):
        for index in sorted(self.poses):
            yield Frame(IMAGE, index / 30, index)

    def estimate(self, frame: Frame):
        if frame.index == self.fail_at:
            raise KeyboardInterrupt
        return self.poses[frame.index]


def run(tmp_path, camera: TrackCamera, answers: ans.Answers, reps: int = 2, screen=Scope.FULL, sets: int = 1,
        store: FollowUpStore | None = None, by_keys: bool = False):
    plan = plan_for_exercise(load_exercise("glute_bridge"), reps=reps, sets=sets)
    history = History(tmp_path / "h.sqlite3")
    devices = Devices(history, camera.estimate, HeadlessUI(ans.Answerer(answers, by_keys)), followups=store)
    source = OpenedSource("synthetic", camera.frames(), (1280, 720), False)
    session = LiveSession(plan, source, devices, screen, FAST, drop_frames=False)
    try:
        return session.run(), history.sessions()
    finally:
        history.close()


CALM = ans.Answers(red_flags="none", pain_before=3, pain_after=2)


def test_a_headless_session_counts_reps_and_saves_them(tmp_path):
    result, [row] = run(tmp_path, TrackCamera(reps=3), CALM, reps=2)
    assert result.state.stage is Stage.DONE and result.state.completed
    assert (row.status, row.pain_before, row.pain_after, row.stop_reason) == ("completed", 3, 2, None)
    [exercise] = row.exercises
    assert (exercise.exercise, exercise.status, exercise.reps["both"], exercise.holds) == ("glute_bridge", "done", 2, 2)
    # Two 3 s holds at the top, plus the lowering down to the "up" exit threshold (too short to be
    # a steady move out of it); the rise into the top is no hold (the bridge's settle_speed), and the
    # second hold, still open when the set ends, counts from its settled start too: 3.43 s each, as
    # a replay of the same track reports them.
    assert exercise.hold_s["both"] == pytest.approx(2 * 3.43, abs=0.05)
    assert exercise.pain == 2  # the rating asked after it
    assert result.model_frames < result.frames  # the model ran only while an exercise was watched


def test_the_camera_ending_early_keeps_a_partial_session(tmp_path):
    result, [row] = run(tmp_path, TrackCamera(reps=1), CALM, reps=5)
    assert (row.status, row.stop_reason, row.pain_after) == ("partial", "camera", 2)
    assert row.exercises[0].status == "partial" and row.exercises[0].reps["both"] == 1


def test_ctrl_c_keeps_the_partial_session(tmp_path):
    camera = TrackCamera(reps=3, fail_at=200)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, camera, CALM, reps=5)
    with History(tmp_path / "h.sqlite3") as history:
        [row] = history.sessions()
    assert (row.status, row.stop_reason) == ("partial", "interrupted")
    assert row.exercises[0].reps["both"] == 1


def test_the_it_hurts_key_stops_and_is_recorded(tmp_path):
    answers = CALM.model_copy(update={"keys": [ans.ScriptedKey(t_s=3.0, key="hurt")], "pain_after": 6})
    result, [row] = run(tmp_path, TrackCamera(reps=3), answers, reps=5)
    assert (row.stop_reason, row.pain_after) == ("pain", 6)
    assert row.exercises[0].status == "stopped"


def test_a_red_flag_in_the_answers_starts_no_session(tmp_path):
    answers = CALM.model_copy(update={"red_flags": {**dict.fromkeys(ans.safety.question_ids(), False),
                                                    "night_pain": True}})
    result, rows = run(tmp_path, TrackCamera(reps=1), answers)
    assert rows == [] and result.state.verdict.title == "See a doctor within a day or two"
    with History(tmp_path / "h.sqlite3") as history:  # a script's answers are not the person's screening
        assert history.last_screening(scope=None) is None


def test_see_a_clinician_is_remembered_across_launches(tmp_path):
    """A flagged sign answered by the person is remembered; the next launch asks about it first."""
    store = FollowUpStore(tmp_path / "followups.json")
    flags = {**dict.fromkeys(ans.safety.question_ids(), False), "upper_back": True}
    first, rows = run(tmp_path, TrackCamera(reps=3), CALM.model_copy(update={"red_flags": flags}), store=store,
                      by_keys=True)
    assert rows == [] and first.state.stage is Stage.DONE
    assert store.load().flagged.ids == ("upper_back",)
    second, rows = run(tmp_path, TrackCamera(reps=3), CALM, store=store, by_keys=True)  # "no, not checked yet"
    assert rows == [] and second.state.verdict.flagged == ("upper_back",) and second.state.answers == ()
    checked = CALM.model_copy(update={"clinician_ok": True, "red_flags": flags})  # checked; the pain is still there
    third, [row] = run(tmp_path, TrackCamera(reps=3), checked, store=store, by_keys=True)
    assert third.state.completed and row.status == "completed"
    assert store.load().flagged is None and store.load().cleared == {"upper_back"}


def test_a_pain_stop_is_remembered_and_asked_about_at_the_next_launch(tmp_path):
    store = FollowUpStore(tmp_path / "followups.json")
    hurts = CALM.model_copy(update={"keys": [ans.ScriptedKey(t_s=6.0, key="hurt")], "pain_after": 6})
    run(tmp_path, TrackCamera(reps=3), hurts, reps=5, store=store, by_keys=True)
    stop = store.load().pain_stop
    assert (stop.reason, stop.before, stop.after) == ("pain", 3, 6)
    not_settled = CALM.model_copy(update={"pain_settled": False})
    again, rows = run(tmp_path, TrackCamera(reps=3), not_settled, store=store, by_keys=True)
    assert len(rows) == 1 and again.state.stage is Stage.DONE  # waited a day: no second session
    settled, rows = run(tmp_path, TrackCamera(reps=3), CALM, reps=1, store=store, by_keys=True)
    assert settled.state.completed and store.load().pain_stop is None  # a completed session ends the follow-up


def test_no_person_in_view_waits_at_the_setup_check(tmp_path):
    camera = TrackCamera(reps=1, gaps=((0.0, 100.0),))
    result, [row] = run(tmp_path, camera, CALM, reps=1, screen=None)
    assert row.stop_reason == "camera" and row.exercises == ()


def test_a_camera_that_fails_mid_session_ends_it_as_partial(tmp_path):
    class Unplugged(TrackCamera):
        def frames(self):
            for frame in super().frames():
                if frame.index == 200:
                    raise SourceError("camera 0: stopped giving frames (unplugged?)")
                yield frame

    result, [row] = run(tmp_path, Unplugged(reps=3), CALM, reps=5)
    assert (row.status, row.stop_reason, row.pain_after) == ("partial", "camera", 2)
    assert row.exercises[0].reps["both"] == 1


def test_after_the_camera_ends_the_prompts_still_see_time_pass(tmp_path):
    # The answer pause and the key-repeat filter run on frame time: a frozen clock after the
    # camera ended would make every later question unanswerable.
    import dataclasses
    import time

    from posecoach.live.state import Stage
    from posecoach.sources.capture import LatestFrame

    plan = plan_for_exercise(load_exercise("glute_bridge"), reps=1)
    devices = Devices(History(tmp_path / "h.sqlite3"), lambda frame: None, HeadlessUI(ans.Answerer(CALM)))
    session = LiveSession(plan, OpenedSource("synthetic", iter(()), (1280, 720), False), devices, Scope.FULL, FAST)
    session.state = dataclasses.replace(session.state, stage=Stage.PAIN_AFTER)  # the closing prompts
    camera = [Frame(IMAGE, 0.0, 0), Frame(IMAGE, 0.0333, 1)]
    with LatestFrame(iter(camera)) as grabber:
        frames = session._frames(grabber)
        still = next(f for f, _ in frames if f.image is None)  # the camera has ended
        time.sleep(0.05)
        later = next(frames)[0]
    devices.history.close()
    assert still.t_s >= 0.0333 and still.index == 1  # from the last frame's time on
    assert later.image is None and later.t_s >= still.t_s + 0.05


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display (run under xvfb-run)")
def test_a_real_window_session(tmp_path):
    from posecoach.live.ui.window import WindowUI

    shown = []
    ui = WindowUI(script=ans.Answerer(CALM), snapshot=lambda state, canvas: shown.append(canvas.shape))
    plan = plan_for_exercise(load_exercise("glute_bridge"), reps=1)
    camera = TrackCamera(reps=2)
    with History(tmp_path / "h.sqlite3") as history:
        source = OpenedSource("synthetic", camera.frames(), (1280, 720), False)
        LiveSession(plan, source, Devices(history, camera.estimate, ui), Scope.FULL, FAST, drop_frames=False).run()
        [row] = history.sessions()
    assert row.status == "completed" and row.exercises[0].reps["both"] == 1
    assert set(shown) == {(720, 1280, 3)}


# The capture thread ---------------------------------------------------------------------------

def test_the_newest_frame_wins_when_the_consumer_is_slow():
    def frames():
        for i in range(50):
            time.sleep(0.002)
            yield Frame(None, i * 0.002, i)

    taken = []
    with LatestFrame(frames()) as grabber:
        while (captured := grabber.get()) is not None:
            taken.append(captured.frame.index)
            time.sleep(0.02)  # a slow model
        assert grabber.dropped > 20 and grabber.read == 50
    assert taken == sorted(taken) and taken[-1] == 49 and len(taken) < 25


def test_the_readers_error_reaches_the_consumer():
    def frames():
        yield Frame(None, 0.0, 0)
        raise SourceError("camera 0: stopped giving frames (unplugged?)")

    with LatestFrame(frames()) as grabber:
        time.sleep(0.05)
        assert grabber.get().frame.index == 0
        with pytest.raises(SourceError, match="unplugged"):
            grabber.get()


def test_a_silent_camera_times_out_with_a_message():
    never = threading.Event()

    def frames():
        never.wait(5)
        yield from ()

    with LatestFrame(frames()) as grabber, pytest.raises(SourceError, match="sent no frame for 0.1 s"):
        grabber.get(timeout_s=0.1)
    never.set()


def test_a_video_as_camera_is_paced_by_its_own_timestamps():
    now, sleeps = [100.0], []

    def sleep(s):
        sleeps.append(round(s, 3))
        now[0] += s

    frames = [Frame(None, t, i) for i, t in enumerate((0.0, 0.04, 0.08, 0.12))]
    out = list(paced(frames, clock=lambda: now[0], sleep=sleep))
    assert [f.t_s for f in out] == [0.0, 0.04, 0.08, 0.12]
    assert sleeps == [0.04, 0.04, 0.04]


def test_a_missing_camera_names_the_devices_tried(monkeypatch):
    monkeypatch.setattr("posecoach.sources.capture.camera_candidates", lambda: [])
    with pytest.raises(SourceError, match=r"^no camera could be opened. Tried: no video devices found"):
        open_camera(None)
    with pytest.raises(SourceError, match=r"Tried: camera 7.*: cannot open it.*pass --camera INDEX"):
        open_camera("7")


def test_the_camera_is_named_as_every_command_names_a_source(monkeypatch, tmp_path):
    # One grammar (sources.parse_source): /dev/videoN is camera N, and a pose track is no camera.
    monkeypatch.setattr("posecoach.sources.capture.camera_candidates", lambda: [])
    with pytest.raises(SourceError, match=r"Tried: camera 7"):
        open_camera("/dev/video7")
    with pytest.raises(SourceError, match=r"a pose track has no pictures to coach from; .*posecoach replay"):
        open_camera(str(tmp_path / "run.npz"))


def test_a_missing_video_file_as_camera(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        open_camera(str(tmp_path / "nope.mp4"))


# Headless answers -----------------------------------------------------------------------------

def test_headless_needs_safety_and_pain_answers():
    with pytest.raises(UserError, match="--headless needs the safety answers: pass --no-red-flags"):
        ans.check_complete(ans.Answers(pain_before=1, pain_after=1), screening=True)
    ans.check_complete(ans.Answers(pain_before=1, pain_after=1), screening=False)
    with pytest.raises(UserError, match=r"--headless needs --pain-after N \(0-10\)"):
        ans.check_complete(ans.Answers(red_flags="none", pain_before=1), screening=True)


def test_an_answers_file(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('red_flags = "none"\npain_before = 2\n[[keys]]\nt_s = 4\nkey = "quit"\n')
    answers = ans.with_options(ans.load_answers(path), pain_after=3)
    assert (answers.pain_before, answers.pain_after, answers.keys[0].key) == (2, 3, "quit")
    path.write_text("pain_before = 12\n")
    with pytest.raises(UserError, match=r"a.toml: pain_before: Input should be less than or equal to 10"):
        ans.load_answers(path)
    path.write_text("pain_befor = 1\n")
    with pytest.raises(UserError, match=r"a.toml: pain_befor: Extra inputs are not permitted"):
        ans.load_answers(path)


def test_a_stuck_headless_flow_fails_instead_of_spinning():
    from posecoach.live import flow
    from posecoach.live.ui.draw import View

    ui = HeadlessUI(ans.Answerer(ans.Answers()))
    state = flow.start(plan_for_exercise(bridge_spec()), scope=None)
    state = flow.advance(state, flow.Press(flow.Key.QUIT)).state  # not started: done
    with pytest.raises(PosecoachError, match="stuck"):
        for _ in range(300):
            ui.show(flow.FlowState(state.plan, state.settings, Stage.SETUP), View())


def bridge_spec():
    return load_exercise("glute_bridge")


# The set-up check -------------------------------------------------------------------------------

def test_the_setup_check_on_synthetic_poses(bridge):
    from posecoach.exercise.measure import LandmarkArrays, measure

    track = bridge_track(reps=1)
    _, pose = next(track.poses())
    m = measure(bridge, LandmarkArrays.from_pose(pose), 0.5)
    assert assess_setup(bridge, pose, m).ok
    far = pose.__class__((pose.xy - 600) * 0.3 + 600, pose.world, pose.visibility, pose.presence,
                         pose.image_size)
    status = assess_setup(bridge, far, measure(bridge, LandmarkArrays.from_pose(far), 0.5))
    assert status.hints == ("Come a little closer to the camera",)
    # Lying down, turning round is not the fix: the hint says where the camera goes.
    facing = bridge.model_copy(update={"view": "front", "setup": "Camera at your feet."})
    assert assess_setup(facing, pose, m).hints == ("Camera at your feet.",)
    standing = load_exercise("squat_to_chair")
    assert assess_setup(standing, pose, measure(standing, LandmarkArrays.from_pose(pose), 0.5)).hints == (
        "Stand up for this exercise",)
    assert assess_setup(bridge, None, None).hints == ("I can't see you: step into the frame",)


def _failing(monkeypatch, after: int = 0):
    """History.save_session fails as a full disk does, after `after` writes that succeed."""
    real, calls = History.save_session, []

    def save(self, log, session_id):
        calls.append(log)
        if len(calls) > after:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, log, session_id)
    monkeypatch.setattr(History, "save_session", save)
    return calls


def _kept(tmp_path):
    return sorted(tmp_path.glob("h.sqlite3.unsaved-*.json"))


@pytest.mark.parametrize("after", [0, 1], ids=["first-write", "exercise-write"])
def test_a_session_whose_writes_fail_goes_on_and_is_kept_beside_the_database(tmp_path, monkeypatch, after):
    """Issue 17: a full disk no longer ends the session (or loses the exercise): the session runs to its
    end, is kept in a journal beside the database, says so in one line, and the next start adds it."""
    calls = _failing(monkeypatch, after)
    result, rows = run(tmp_path, TrackCamera(reps=3), CALM, reps=2)
    assert result.state.stage is Stage.DONE and result.state.completed
    [journal] = _kept(tmp_path)
    assert str(result.unsaved) == (
        f"{tmp_path / 'h.sqlite3'}: this session could not be written to the history (database or disk is full); "
        f"what was done (1 exercise) is kept in {journal} and goes into the history the next time posecoach "
        "starts: free some space")
    assert [(r.status, len(r.exercises)) for r in rows] == ([] if after == 0 else [("partial", 0)])
    assert len(calls) >= 4  # start, exercise, rating, end: each tried again
    monkeypatch.undo()
    with History(tmp_path / "h.sqlite3") as history:  # the next start: the kept session goes in
        [row] = history.sessions()
        assert history.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert (row.status, row.pain_before, row.pain_after) == ("completed", 3, 2)
    [exercise] = row.exercises
    assert (exercise.status, exercise.reps["both"], exercise.pain) == ("done", 2, 2)
    assert _kept(tmp_path) == []


def test_a_write_that_works_again_takes_the_session_back_into_the_database(tmp_path, monkeypatch):
    real, calls = History.save_session, []

    def save(self, log, session_id):
        calls.append(log)
        if len(calls) == 2:  # the exercise's write fails once
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, log, session_id)
    monkeypatch.setattr(History, "save_session", save)
    result, [row] = run(tmp_path, TrackCamera(reps=3), CALM, reps=2)
    assert result.unsaved is None and _kept(tmp_path) == []
    assert row.status == "completed" and row.exercises[0].reps["both"] == 2


def test_a_database_held_by_another_program_says_so_and_keeps_the_session(tmp_path, monkeypatch):
    def save(self, log, session_id):
        raise sqlite3.OperationalError("database is locked")
    monkeypatch.setattr(History, "save_session", save)
    result, _ = run(tmp_path, TrackCamera(reps=3), CALM, reps=2)
    [journal] = _kept(tmp_path)
    assert str(result.unsaved).startswith(f"{tmp_path / 'h.sqlite3'}: this session could not be written to the "
                                          "history (database is locked); what was done (1 exercise) is kept in ")
    assert str(result.unsaved).endswith("the next time posecoach starts: close other posecoach sessions")


def test_ctrl_c_with_the_disk_full_keeps_the_partial_session_beside_the_database(tmp_path, monkeypatch, caplog):
    _failing(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, TrackCamera(reps=3, fail_at=200), CALM, reps=5)
    [journal] = _kept(tmp_path)
    assert f"what was done (1 exercise) is kept in {journal}" in caplog.text  # the partial one
    monkeypatch.undo()
    with History(tmp_path / "h.sqlite3") as history:
        [row] = history.sessions()
    assert (row.status, row.stop_reason) == ("partial", "interrupted")
    assert row.exercises[0].reps["both"] == 1


def test_a_safety_check_that_cannot_be_saved_does_not_end_the_session(tmp_path, monkeypatch, caplog):
    tried = []

    def full(self, screening):
        tried.append(screening)
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(History, "save_screening", full)
    result, [row] = run(tmp_path, TrackCamera(reps=3), CALM, reps=2, by_keys=True)  # answered, so saved
    assert result.state.stage is Stage.DONE and result.state.completed and row.status == "completed"
    assert "this safety check was not saved" in caplog.text
    assert len(tried) == 1

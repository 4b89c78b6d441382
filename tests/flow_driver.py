"""Steps the live flow input by input, as a person and a camera would, for the flow's tests."""

from posecoach.exercise.events import RepCompleted
from posecoach.live import flow, safety
from posecoach.live import screens as sc
from posecoach.live.flow import Stage
from posecoach.live.plan import Plan
from posecoach.live.setup import SetupCheck, SetupStatus
from posecoach.live.signals import Key, Press, SetPain

FPS = 10
N_QUESTIONS = len(safety.QUESTIONS)
READY = SetupStatus((SetupCheck("Whole body in the frame", True, ""),))
NOT_READY = SetupStatus((SetupCheck("Whole body in the frame", False, "Step into the frame"),))
FAST = flow.FlowSettings(countdown_s=1.0, setup_ok_s=0.5, set_rest_s=2.0, side_switch_s=1.0, exercise_rest_s=3.0)


class Driver:
    """Feeds inputs to the flow; keeps the state, the effects and a frame clock."""

    def __init__(self, plan: Plan, screen: bool = False, settings: flow.FlowSettings = FAST) -> None:
        self.state = flow.start(plan, settings, safety.Scope.FULL if screen else None)
        self.effects: list = []
        self.t = 0.0

    def send(self, *inputs) -> "Driver":
        for event in inputs:
            transition = flow.advance(self.state, event)
            self.state = transition.state
            self.effects += transition.effects
        return self

    def frames(self, seconds: float, events=(), setup=READY) -> "Driver":
        for i in range(round(seconds * FPS)):
            self.t += 1 / FPS
            self.send(flow.Tick(round(self.t, 3), tuple(events) if i == 0 else (), setup))
        return self

    def answer(self, *keys: Key, wait_s: float = 1.1) -> "Driver":
        """Answer questions as a person does: read each one for `wait_s`, then press."""
        for key in keys:
            self.frames(wait_s).send(Press(key))
        return self

    def screen_all(self, yes: tuple[int, ...] = ()) -> "Driver":
        """Answer every question (yes at the positions given) and confirm the answer check."""
        self.answer(*[Key.YES if i in yes else Key.NO for i in range(N_QUESTIONS)])
        assert self.state.stage is Stage.SAFETY_REVIEW
        return self.answer(Key.CONFIRM)

    def begin(self, value: int) -> "Driver":
        """The starting rating, then the rule screen (read, then Space)."""
        self.pain(value)
        assert self.state.stage is Stage.RULES, self.state.stage
        return self.answer(Key.CONFIRM)

    def pain(self, value: int) -> "Driver":
        return self.send(SetPain(value), Press(Key.CONFIRM))

    def to_active(self) -> "Driver":
        """From the card through set-up and countdown."""
        self.send(Press(Key.CONFIRM))
        assert self.state.stage is Stage.SETUP
        return self.frames(0.6).frames(1.1)

    def of(self, kind) -> list:
        return [e for e in self.effects if isinstance(e, kind)]

    @property
    def screen(self):
        return sc.describe(self.state)


def rep(t: float, side=None, issues=()) -> RepCompleted:
    return RepCompleted(t, side, t - 2, t, 3.0, {}, tuple(issues))

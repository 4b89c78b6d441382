"""The state of the live flow: its stages, settings and the frozen state record. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from posecoach.live import safety
from posecoach.live import tally as tl
from posecoach.live.followups import FollowUps
from posecoach.live.history import ExerciseRecord
from posecoach.live.plan import Plan, PlanItem
from posecoach.live.setup import SetupStatus
from posecoach.live.signals import Effect


class Stage(StrEnum):
    CLINICIAN_CHECK = "clinician_check"  # a sign flagged last time: has a clinician checked it?
    PAIN_FOLLOWUP = "pain_followup"  # the last session stopped for pain: has it settled?
    WAIT_DAY = "wait_day"  # it has not: best to wait a day
    SAFETY = "safety"
    SAFETY_REVIEW = "safety_review"  # check your answers
    SAFETY_STOP = "safety_stop"
    PAIN_BEFORE = "pain_before"
    NO_SESSION = "no_session"  # a starting rating over the pain ceiling
    HIGH_PAIN = "high_pain"  # a high starting rating: the gentle routine or a clinician
    RULES = "rules"  # when to stop, and how: shown and spoken before the first exercise
    CARD = "card"
    SETUP = "setup"
    COUNTDOWN = "countdown"
    ACTIVE = "active"
    BREAK = "break"  # between sets, or before the other side
    PAIN_CHECK = "pain_check"  # between exercises
    LEG_CHECK = "leg_check"  # between exercises: new or spreading leg symptoms?
    REST = "rest"  # between exercises
    HURT = "hurt"
    PAIN_AFTER = "pain_after"
    SUMMARY = "summary"
    DONE = "done"


EXERCISE_STAGES = frozenset({Stage.SETUP, Stage.COUNTDOWN, Stage.ACTIVE, Stage.BREAK})
PAUSABLE = EXERCISE_STAGES | {Stage.REST}
PAIN_STAGES = frozenset({Stage.PAIN_BEFORE, Stage.PAIN_CHECK, Stage.PAIN_AFTER})
HURT_STAGES = EXERCISE_STAGES | {Stage.CARD, Stage.REST, Stage.PAIN_CHECK, Stage.LEG_CHECK}
# Prompts that must be on screen a moment before an answer counts, and that ignore repeated keys.
QUESTION_STAGES = frozenset({Stage.CLINICIAN_CHECK, Stage.PAIN_FOLLOWUP, Stage.WAIT_DAY, Stage.SAFETY,
                             Stage.SAFETY_REVIEW, Stage.HIGH_PAIN, Stage.RULES, Stage.LEG_CHECK})
PRE_SESSION = frozenset({Stage.CLINICIAN_CHECK, Stage.PAIN_FOLLOWUP, Stage.WAIT_DAY, Stage.SAFETY, Stage.SAFETY_REVIEW,
                         Stage.SAFETY_STOP, Stage.PAIN_BEFORE, Stage.NO_SESSION, Stage.HIGH_PAIN, Stage.RULES})
# The flow runs the model on these screens (the set-up check also starts from the instruction card)...
COACHED = EXERCISE_STAGES | {Stage.CARD}
# ... and watches for gestures on these: every screen after the first at the laptop.
GESTURE_STAGES = HURT_STAGES | {Stage.RULES, Stage.HURT, Stage.PAIN_AFTER, Stage.SUMMARY}
EPS = 1e-6  # timers end within this of zero (frame times are rounded)


@dataclass(frozen=True)
class FlowSettings:
    countdown_s: float = 3.0
    setup_ok_s: float = 1.0  # the set-up must stay right this long
    set_rest_s: float = 20.0
    side_switch_s: float = 8.0
    exercise_rest_s: float = 15.0
    max_step_s: float = 0.5  # a longer gap between frames advances the timers by this much
    answer_pause_s: float = safety.ANSWER_PAUSE_S  # a question is shown this long before an answer counts
    # Hands-free: screens that move on by themselves.
    rules_s: float = 20.0  # the stop rule, read aloud, then the first card
    card_s: float = 25.0  # an instruction card, read aloud, then the set-up check
    card_ok_s: float = 2.0  # ... or sooner: this long in the start position
    summary_s: float = 30.0  # the summary closes by itself
    away_s: float = 2.0  # out of view or out of position this long pauses the exercise
    hint_gap_s: float = 5.0  # a set-up hint is said at most this often


@dataclass(frozen=True)
class FlowState:
    plan: Plan
    settings: FlowSettings
    stage: Stage
    t_s: float | None = None
    paused: bool = False
    timer_s: float = 0.0
    followups: FollowUps = field(default_factory=FollowUps)  # what this launch remembers from earlier ones
    cleared: frozenset[str] = frozenset()  # signs a clinician has checked and said exercise is OK
    questions: tuple[safety.Question, ...] = ()  # the red-flag questions this session asks
    answers: tuple[safety.Answer, ...] = ()
    shown_s: float | None = None  # frame time the current question appeared
    verdict: safety.Verdict | None = None
    pain: int | None = None  # the rating being entered
    pain_before: int | None = None
    baseline: int | None = None  # what the pain rule counts from: kept from before a session that stopped for pain
    pain_after: int | None = None
    worse_after: bool | None = None  # the closing "worse than before?" answered yes/no instead of rated
    session_started: bool = False
    index: int = 0
    segment: int = 0
    tally: tl.Tally = field(default_factory=tl.Tally)
    pending: ExerciseRecord | None = None  # saved, waiting for the pain rating asked after it
    records: tuple[ExerciseRecord, ...] = ()
    completed: bool = False
    stop_reason: str | None = None
    setup: SetupStatus | None = None
    muted: bool = False  # speech off (M, or the mute gesture)
    away: bool = False  # out of view or position during an exercise: paused until back in position
    away_timer_s: float = 0.0  # how long the person has been away (or, while away, back in position)
    ok_s: float = 0.0  # on a card: how long the person has been in the start position
    said: str = ""  # the last set-up hint or hold time said, so it is not repeated
    said_s: float | None = None  # when it was said

    @property
    def item(self) -> PlanItem:
        return self.plan.items[min(self.index, len(self.plan.items) - 1)]

    @property
    def floor(self) -> bool:
        """The plan has exercises on the floor (pregnancy asks a clinician first)."""
        return safety.on_floor(i.spec.position for i in self.plan.items)

    @property
    def ready(self) -> bool:
        """The current question has been on screen long enough for an answer to count."""
        return (self.shown_s is not None and self.t_s is not None
                and self.t_s - self.shown_s >= self.settings.answer_pause_s - EPS)

    @property
    def done(self) -> bool:
        return self.stage is Stage.DONE

    @property
    def needs_pose(self) -> bool:
        """The coach (the tracker and the set-up check) runs on this screen."""
        return self.stage in COACHED

    @property
    def watches_gestures(self) -> bool:
        return self.stage in GESTURE_STAGES


@dataclass(frozen=True)
class Transition:
    state: FlowState
    effects: tuple[Effect, ...] = ()

    def then(self, other: Transition) -> Transition:
        return Transition(other.state, self.effects + other.effects)

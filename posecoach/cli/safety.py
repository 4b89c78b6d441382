"""The red-flag screen in the terminal: `posecoach safety`, and before every camera session that
has no window of its own to ask in (`replay 0`, `track 0`, `calibrate --camera`).

The person answers y, n or u (not sure, counts as yes), b goes back, and the answers are
shown for a check before anything is decided. Scripted answers (`--no-red-flags`,
`--answers FILE`) are for scripts and tests: they are evaluated, never saved as the person's
screening, and leave the remembered follow-ups alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from posecoach.cli.common import read_line, stdin_is_terminal
from posecoach.errors import SafetyStop, UserError
from posecoach.live import followups as fu
from posecoach.live import safety

_REPLIES = {"y": safety.Answer.YES, "yes": safety.Answer.YES, "n": safety.Answer.NO, "no": safety.Answer.NO,
            "u": safety.Answer.UNSURE, "?": safety.Answer.UNSURE, "not sure": safety.Answer.UNSURE,
            "unsure": safety.Answer.UNSURE}
BACK = "b"


def add_answer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--answers", type=Path,
                   help="TOML/JSON file with the answers to the prompts (see README, 'Without a window')")
    p.add_argument("--no-red-flags", action="store_true",
                   help="declare that none of the safety questions applies (for scripts; never saved as yours)")


def scripted_answers(args) -> dict[str, object] | None:
    from posecoach.live import answers as ans

    if getattr(args, "no_red_flags", False):
        return dict.fromkeys(safety.question_ids(), False)
    path = getattr(args, "answers", None)
    return ans.load_answers(path).red_flag_answers() if path else None


def ask(prompt: str, allow_back: bool = False) -> safety.Answer | str:
    hint = "[y/n/u=not sure" + ("/b=back" if allow_back else "") + "]"
    while True:
        line = read_line(f"{prompt} {hint} ")
        if line is None:  # Ctrl-D, or the input closed: nothing is saved, nothing starts
            print()
            raise UserError("the safety questions were not answered (input ended); nothing was saved: "
                            "run the command again and answer them")
        reply = line.strip().lower()
        if reply in _REPLIES:
            return _REPLIES[reply]
        if allow_back and reply == BACK:
            return BACK
        print("Please answer y (yes), n (no) or u (not sure)" + (", or b to go back." if allow_back else "."))


def _ask_all(questions: tuple[safety.Question, ...]) -> dict[str, safety.Answer]:
    """One question at a time with Back, then the answers shown for a check."""
    while True:
        answers: list[safety.Answer] = []
        while len(answers) < len(questions):
            q = questions[len(answers)]
            reply = ask(f"{len(answers) + 1}/{len(questions)} {q.text}", allow_back=bool(answers))
            if reply == BACK:
                answers.pop()
            else:
                answers.append(reply)
        print("\nCheck your answers (not sure counts as yes):")
        for q, a in zip(questions, answers, strict=True):
            print(f"  {a.label:<8} {q.sign}")
        if ask("Are these answers right?") is safety.Answer.YES:
            return dict(zip(safety.question_ids(questions), answers, strict=True))
        print("Then let's go through them again.\n")


def _print_verdict(verdict: safety.Verdict, lead: tuple[str, ...] = ()) -> None:
    print("\n".join(("", verdict.title, *lead, *verdict.lines, "", safety.DISCLAIMER)))


def terminal_screen(scope: safety.Scope, scripted: dict[str, object] | None = None,
                    floor: bool = True) -> safety.Verdict:
    """Asks (or reads the script's answers), prints the outcome; saves only a person's answers."""
    from posecoach.live.history import History

    questions = safety.questions_for(scope)
    if scripted is not None:
        if (remembered := fu.remembered_flag()) is not None:
            _print_verdict(remembered, (safety.CLINICIAN_NOT_YET,))
            return remembered
        verdict = safety.evaluate({q.id: scripted.get(q.id) for q in questions if q.id in scripted}, questions,
                                  floor=floor)
        _print_verdict(verdict)
        print("(scripted answers: not saved as your safety check)")
        return verdict
    if not stdin_is_terminal():
        raise UserError("the safety questions need a terminal: run this at a terminal, "
                        "or pass --no-red-flags (for scripts) if none of the questions in 'posecoach safety' apply")
    store, today = fu.FollowUpStore.default(), dt.date.today()
    remembered = store.load()
    if remembered.flagged is not None:
        print(f"Last time you told posecoach about: {safety.signs(remembered.flagged.ids)}.")
        ok = ask(safety.CLINICIAN_CHECK) is safety.Answer.YES
        store.save(remembered := fu.after_clinician_check(remembered, ok))
        if not ok:
            verdict = remembered.flagged.verdict
            _print_verdict(verdict, (safety.CLINICIAN_NOT_YET,))
            return verdict
        questions = safety.QUESTIONS
    print(f"A short safety check: {len(questions)} questions.\n{safety.DISCLAIMER}\n")
    answers = _ask_all(questions)
    verdict = safety.evaluate(answers, questions, floor=floor, cleared=remembered.cleared)
    scope = safety.scope_of(questions)
    with History() as history:
        history.save_screening(safety.Screening(today, answers, verdict, scope))
    store.save(fu.after_screening(remembered, verdict, answers, today))
    _print_verdict(verdict)
    return verdict


def _on_floor(args) -> bool:
    """Whether the session may go to the floor (pregnancy asks a clinician first): the exercise's
    position when the command names one, else assume it may."""
    from posecoach.exercise.catalogue import load_exercise

    exercise = getattr(args, "exercise", None)
    return safety.on_floor([load_exercise(exercise).position]) if exercise else True


def screen_before_camera(args) -> None:
    """Before a camera session without the live screens: the screen in the terminal, and the pain rule."""
    from posecoach.live.history import History

    store = fu.FollowUpStore.default()
    remembered = store.load()
    with History() as history:
        scope = safety.screen_scope(history.last_screening(), dt.date.today(),
                                    after_pain_stop=remembered.pain_stop is not None,
                                    clinician_check=remembered.flagged is not None)
    verdict = terminal_screen(scope, scripted_answers(args), floor=_on_floor(args))
    if not verdict.ok:
        raise SafetyStop(f"{verdict.title}: not starting the camera")
    print(safety.rule_lines("q")[0])
    print("To stop at any time, press q in the window or Ctrl-C.\n")

"""What `posecoach history` shows of the sessions: a table, a CSV file, a progress plot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from posecoach.errors import UserError
from posecoach.live.history_rows import ExerciseRecord, SessionRow, now_text


def iter_table_rows(sessions: list[SessionRow]) -> Iterator[dict[str, object]]:
    """One flat row per exercise (a session without exercises gives one row)."""
    for s in sessions:
        base = {"session": s.id, "started_at": now_text(s.started_at),
                "ended_at": now_text(s.ended_at) if s.ended_at else "", "routine": s.routine,
                "status": s.status, "stop_reason": s.stop_reason or "",
                "pain_before": _blank(s.pain_before), "pain_after": _blank(s.pain_after),
                "pain_after_answer": _answer(s.worse_after)}
        for e in s.exercises or (None,):
            yield base | _exercise_columns(e)


def _blank(value: object) -> object:
    return "" if value is None else value


def _answer(worse: bool | None) -> str:
    """The closing "worse than before?" answered yes/no instead of a rating ("" when not)."""
    return "" if worse is None else "worse" if worse else "not worse"


def _exercise_columns(e: ExerciseRecord | None) -> dict[str, object]:
    if e is None:
        return dict.fromkeys(CSV_EXERCISE_COLUMNS, "")
    return {"exercise": e.exercise, "exercise_status": e.status, "unit": e.unit, "target": e.target,
            "sets": e.sets, "reps_left": e.reps.get("left", 0), "reps_right": e.reps.get("right", 0),
            "reps_both": e.reps.get("both", 0), "good_reps": e.good_reps, "holds": e.holds,
            "hold_s": round(e.total_hold_s, 1), "best_hold_s": round(e.best_hold_s, 1),
            "form_issues": "; ".join(f"{m} (x{n})" for m, n in e.form_issues.items()),
            "exercise_pain": _blank(e.pain)}


CSV_EXERCISE_COLUMNS = ("exercise", "exercise_status", "unit", "target", "sets", "reps_left", "reps_right",
                        "reps_both", "good_reps", "holds", "hold_s", "best_hold_s", "form_issues",
                        "exercise_pain")
CSV_COLUMNS = ("session", "started_at", "ended_at", "routine", "status", "stop_reason", "pain_before",
               "pain_after", "pain_after_answer", *CSV_EXERCISE_COLUMNS)


def format_table(sessions: list[SessionRow]) -> str:
    """A plain-text table: one line per exercise, the session's columns on its first line."""
    if not sessions:
        return "No sessions yet: run 'posecoach live' to do one."
    header = ("date", "routine", "status", "pain", "exercise", "result", "reps", "holds", "form issues")
    lines = [header]
    for s in sessions:
        after = _answer(s.worse_after) if s.pain_after is None and s.worse_after is not None else _dash(s.pain_after)
        pain = f"{_dash(s.pain_before)}->{after}"
        status = s.status + (f" ({s.stop_reason})" if s.stop_reason else "")
        first = (s.started_at.strftime("%Y-%m-%d %H:%M"), s.routine, status, pain)
        for i, e in enumerate(s.exercises or (None,)):
            lead = first if i == 0 else ("",) * 4
            lines.append(lead + (_exercise_cells(e) if e else ("-",) * 5))
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in lines)


def _dash(value: object) -> str:
    return "-" if value is None else str(value)


def _exercise_cells(e: ExerciseRecord) -> tuple[str, ...]:
    if e.unit != "reps":
        reps = "-"
    elif e.reps.get("both", 0) or not (e.reps.get("left", 0) or e.reps.get("right", 0)):
        reps = str(e.total_reps)
    else:
        reps = f"L{e.reps.get('left', 0)} R{e.reps.get('right', 0)}"
    holds = f"{e.holds} ({e.total_hold_s:.0f} s)" if e.holds or e.total_hold_s else "-"
    issues = ", ".join(e.form_issues) if e.form_issues else "-"
    return e.exercise, e.status, reps, holds, issues


def export_csv(sessions: list[SessionRow], path: Path) -> int:
    """Writes one row per exercise, atomically; returns the number of rows."""
    import csv

    from posecoach.sinks.atomic import atomic_path

    rows = list(iter_table_rows(sessions))
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def daily_progress(sessions: list[SessionRow]) -> dict[str, dict]:
    """Per day: reps and seconds held per exercise, and the mean pain before and after."""
    days: dict[str, dict] = {}
    for s in sessions:
        day = days.setdefault(s.started_at.date().isoformat(),
                              {"reps": {}, "hold_s": {}, "pain_before": [], "pain_after": []})
        for e in s.exercises:
            if e.unit == "reps":
                day["reps"][e.exercise] = day["reps"].get(e.exercise, 0) + e.total_reps
            if e.total_hold_s:
                day["hold_s"][e.exercise] = day["hold_s"].get(e.exercise, 0.0) + e.total_hold_s
        for key in ("pain_before", "pain_after"):
            if getattr(s, key) is not None:
                day[key].append(getattr(s, key))
    return days


def plot_progress(sessions: list[SessionRow], path: Path) -> None:
    """Reps and hold time per exercise, and the pain trend, over days; a PNG written atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from posecoach.sinks.atomic import atomic_path

    days = daily_progress(sessions)
    if not days:
        raise UserError("no sessions to plot yet: run 'posecoach live' first")
    dates = [dt.date.fromisoformat(d) for d in days]
    figure = Figure(figsize=(9, 8), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(3, 1, sharex=True)
    for ax, key, label in ((axes[0], "reps", "reps per day"), (axes[1], "hold_s", "seconds held per day")):
        names = sorted({n for d in days.values() for n in d[key]})
        for name in names:  # only the days the exercise was done: a missing day is not a zero
            done = [(when, d[key][name]) for when, d in zip(dates, days.values(), strict=True) if name in d[key]]
            ax.plot(*zip(*done, strict=True), marker="o", label=name)
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        if names:
            ax.legend(fontsize="small", loc="best")
    for key, style in (("pain_before", "o-"), ("pain_after", "s--")):
        values = [sum(d[key]) / len(d[key]) if d[key] else float("nan") for d in days.values()]
        axes[2].plot(dates, values, style, label=key.replace("_", " "))
    axes[2].set(ylabel="pain (0-10)", ylim=(-0.5, 10.5))
    axes[2].legend(fontsize="small", loc="best")
    figure.autofmt_xdate()
    figure.suptitle("posecoach progress")
    with atomic_path(path, suffix=".png") as tmp:
        figure.savefig(tmp, format="png", dpi=100)

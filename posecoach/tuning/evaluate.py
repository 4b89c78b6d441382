"""`posecoach eval`: counted reps and holds against annotations, over folders of recordings.

Each annotated source is replayed through the real pipeline from its (cached) pose track,
so the table shows what `posecoach replay` would say. Sources whose exercise is not in the
catalogue are listed as skipped, with the reason, and left out of the summary.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from posecoach.errors import PosecoachError, UserError
from posecoach.exercise.catalogue import load_exercise
from posecoach.replay import ModelChoice, replay
from posecoach.tuning.cache import Progress, source_track_path
from posecoach.tuning.truth import Truth, annotated_sources, find_truth
from posecoach.types import Span


@dataclass(frozen=True)
class HoldMatch:
    annotated_s: float
    reported_s: float | None  # the nearest reported hold (by midpoint), None when none was reported
    offset_s: float | None  # reported midpoint - annotated midpoint
    reported_index: int | None = None  # which reported hold


@dataclass(frozen=True)
class EvalRow:
    source: str
    exercise_id: str | None
    expected: int | None = None
    counted: int | None = None
    left: tuple[int | None, int | None] | None = None  # (expected, counted) when annotated per side
    right: tuple[int | None, int | None] | None = None
    holds: list[HoldMatch] = field(default_factory=list)
    reported_holds: int = 0
    skipped: str | None = None

    @property
    def error(self) -> int | None:
        if self.expected is None or self.counted is None:
            return None
        return self.counted - self.expected


@dataclass(frozen=True)
class Summary:
    sources: int
    scored: int
    mae: float | None
    within_one: float | None
    hold_mae_s: float | None
    max_mae: float | None

    @property
    def passed(self) -> bool:
        return self.max_mae is None or self.mae is None or self.mae <= self.max_mae


@dataclass(frozen=True)
class Source:
    path: Path
    label: str  # the path relative to the folder it was found in
    truth: Truth | None


def collect_sources(paths: Sequence[Path]) -> list[Source]:
    found: list[Source] = []
    for path in paths:
        if path.is_dir():
            found += [Source(p, _relative(p, path), t) for p, t in annotated_sources(path)]
        elif path.exists():
            found.append(Source(path, str(path), find_truth(path)))
        else:
            raise UserError(f"{path}: no such file or folder")
    return found


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def match_holds(annotated: Sequence[Span], reported: Sequence[dict]) -> list[HoldMatch]:
    matches = []
    for hold in annotated:
        middle = (hold.start_s + hold.end_s) / 2
        index = min(range(len(reported)), key=lambda i: abs((reported[i]["start_s"] + reported[i]["end_s"]) / 2
                                                            - middle), default=None)
        if index is None:
            matches.append(HoldMatch(round(hold.duration_s, 3), None, None))
            continue
        nearest = reported[index]
        offset = (nearest["start_s"] + nearest["end_s"]) / 2 - middle
        matches.append(HoldMatch(round(hold.duration_s, 3), nearest["duration_s"], round(offset, 3), index))
    return matches


def evaluate_sources(sources: Sequence[Source], exercise: str | None = None, model: ModelChoice | None = None,
                     progress: Progress | None = None, workers: int = 1, cluster: str | None = None) -> list[EvalRow]:
    """Every source's row, in order. With several sources and workers, one source per worker
    process; otherwise each video's frames are split among the workers. With a `cluster`
    address, the videos are tracked on that Dask cluster first (posecoach.tuning.cluster)."""
    if cluster is not None:
        return _evaluate_on_cluster(sources, exercise, model or ModelChoice(), cluster)
    if workers > 1 and len(sources) > 1:
        from posecoach.pose.models import resolve_model
        from posecoach.pose.parallel import map_files
        from posecoach.tuning.cache import make_cache_dir

        model = model or ModelChoice()
        resolve_model(model.variant, model.path, model.notify)  # fetched once, before the workers start
        make_cache_dir(model.notify)
        one = functools.partial(evaluate_source, exercise=exercise, model=model)
        return list(map_files(one, sources, workers))
    return [evaluate_source(s, exercise, model, progress, workers) for s in sources]


def _evaluate_on_cluster(sources: Sequence[Source], exercise: str | None, model: ModelChoice,
                         address: str) -> list[EvalRow]:
    """Track the annotated videos on the cluster (into the cache), then count each here from
    its cached track; a video the cluster could not track is a skipped row with the reason."""
    from posecoach.pose.models import resolve_model
    from posecoach.sources.video import parse_source
    from posecoach.tuning import cluster

    model_path = resolve_model(model.variant, model.path, model.notify)
    videos = [s.path for s in sources if s.truth is not None and parse_source(str(s.path))[0] == "video"]
    run = cluster.track_videos(videos, address, model_path, cluster.progress_bar(len(videos)))
    rows = []
    for source in sources:
        failure = run.failed.get(str(Path(source.path).resolve()))
        if failure is None:
            rows.append(evaluate_source(source, exercise, model))
        else:
            exercise_id = exercise or (source.truth.exercise_id if source.truth else None)
            rows.append(EvalRow(source.label, exercise_id, skipped=f"the cluster could not track it: {failure}"))
    return rows


def evaluate_source(source: Source, exercise: str | None = None, model: ModelChoice | None = None,
                    progress: Progress | None = None, workers: int = 1) -> EvalRow:
    path, truth, name = source.path, source.truth, source.label
    exercise_id = exercise or (truth.exercise_id if truth else None)
    if truth is None:
        return EvalRow(name, exercise_id, skipped="no annotation (manifest entry or sidecar .json)")
    if exercise_id is None:
        return EvalRow(name, None, skipped="the annotation names no exercise_id; pass --exercise")
    try:
        spec = load_exercise(exercise_id)
        report = replay(f"track:{source_track_path(str(path), model, progress, workers)}", spec)
    except PosecoachError as e:
        return EvalRow(name, exercise_id, expected=truth.reps, skipped=str(e))
    reps = report["reps"]
    sided = spec.unilateral and (truth.reps_left is not None or truth.reps_right is not None)
    return EvalRow(
        name, exercise_id, truth.reps, reps["total"],
        left=(truth.reps_left, reps["left"]) if sided else None,
        right=(truth.reps_right, reps["right"]) if sided else None,
        holds=match_holds(truth.holds, report["holds"]), reported_holds=len(report["holds"]),
    )


def summarise(rows: Sequence[EvalRow], max_mae: float | None = None) -> Summary:
    errors = [abs(r.error) for r in rows if r.error is not None]
    offsets = [abs(h.reported_s - h.annotated_s) for r in rows for h in r.holds if h.reported_s is not None]
    return Summary(
        sources=len(rows), scored=len(errors),
        mae=round(sum(errors) / len(errors), 3) if errors else None,
        within_one=round(sum(e <= 1 for e in errors) / len(errors), 3) if errors else None,
        hold_mae_s=round(sum(offsets) / len(offsets), 3) if offsets else None,
        max_mae=max_mae,
    )


def _side_text(pair: tuple[int | None, int | None] | None) -> str:
    if pair is None:
        return "-"
    return "/".join("?" if v is None else str(v) for v in pair)


def _holds_text(row: EvalRow) -> str:
    parts = [f"{h.annotated_s:.1f}>{'none' if h.reported_s is None else f'{h.reported_s:.1f}'}" for h in row.holds]
    extra = row.reported_holds - len({h.reported_index for h in row.holds if h.reported_index is not None})
    return (" ".join(parts) or "-") + (f" (+{extra} more reported)" if extra > 0 else "")


def format_table(rows: Sequence[EvalRow], summary: Summary) -> str:
    header = f"{'source':<52} {'exercise':<16} {'exp':>3} {'got':>3} {'err':>4} {'L e/g':>6} {'R e/g':>6}  holds s"
    lines = [header + " (annotated>reported)", "-" * (len(header) + 21)]
    for r in rows:
        name = r.source if len(r.source) <= 52 else "..." + r.source[-49:]
        if r.skipped:
            lines.append(f"{name:<52} {r.exercise_id or '?':<16} skipped: {r.skipped}")
            continue
        expected = "?" if r.expected is None else str(r.expected)
        error = "" if r.error is None else f"{r.error:+d}"
        lines.append(f"{name:<52} {r.exercise_id:<16} {expected:>3} {r.counted:>3} {error:>4} "
                     f"{_side_text(r.left):>6} {_side_text(r.right):>6}  {_holds_text(r)}")
    lines.append(summary_line(summary))
    return "\n".join(lines)


def summary_line(s: Summary) -> str:
    if s.mae is None:
        return f"{s.sources} sources, none with a rep count to score"
    verdict = "" if s.max_mae is None else (" (ok)" if s.passed else f" (above --max-mae {s.max_mae:g})")
    holds = "" if s.hold_mae_s is None else f"; hold duration MAE {s.hold_mae_s:.2f} s"
    return (f"{s.scored}/{s.sources} sources scored: rep MAE {s.mae:.2f}{verdict}, "
            f"within one rep {s.within_one:.0%}{holds}")


def to_json(rows: Sequence[EvalRow], summary: Summary) -> dict:
    return {"sources": [asdict(r) | {"error": r.error} for r in rows],
            "summary": asdict(summary) | {"passed": summary.passed}}

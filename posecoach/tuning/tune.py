"""`posecoach tune` as functions: load recordings, count, suggest, plot; the CLI only prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from posecoach.exercise.spec import ExerciseSpec
from posecoach.replay import ModelChoice
from posecoach.sources.tracks import load_track
from posecoach.tuning.cache import Progress, source_track_paths
from posecoach.tuning.plot import PlotData, draw, plot_data
from posecoach.tuning.series import Recording, recording_truth
from posecoach.tuning.session import TuneSession, count_line
from posecoach.tuning.suggest import Suggestion, suggest
from posecoach.tuning.thresholds import changed, with_values


def load_recordings(sources: Sequence[str], model: ModelChoice | None = None,
                    progress: Progress | None = None, workers: int = 1) -> list[Recording]:
    recordings = []
    for source, path in zip(sources, source_track_paths(sources, model, progress, workers), strict=True):
        track = load_track(path)
        recordings.append(Recording(source, track, recording_truth(source, track)))
    return recordings


@dataclass
class TuneResult:
    values: dict[str, float] = field(default_factory=dict)  # thresholds changed from the spec
    suggestions: list[Suggestion] = field(default_factory=list)
    before: list[str] = field(default_factory=list)  # count lines with the spec's thresholds
    after: list[str] = field(default_factory=list)  # count lines with `values`
    plot: PlotData | None = None


def tune(spec: ExerciseSpec, session: TuneSession, use_suggestions: bool = False,
         plot: Path | None = None) -> TuneResult:
    result = TuneResult(before=[count_line(t) for t in session.count()])
    if use_suggestions:
        result.suggestions = suggest(spec, session.count())
        proposed = {s.key: s.proposed for s in result.suggestions if s.proposed is not None}
        result.values = changed(spec, proposed)
    return finish(spec, session, result, plot)


def finish(spec: ExerciseSpec, session: TuneSession, result: TuneResult, plot: Path | None) -> TuneResult:
    """Count (and plot) with the result's values."""
    tuned = session.count(result.values)
    result.after = [count_line(t) for t in tuned]
    if plot is not None:
        result.plot = plot_data(with_values(spec, result.values), tuned)
        draw(result.plot, plot)
    return result

"""The one error family. The CLI maps these to exit codes; library code only raises."""


class PosecoachError(Exception):
    """Base class. `str(error)` is one line that names the problem and what to do."""

    exit_code = 1


class UserError(PosecoachError):
    """Bad input from the person: a path, an argument, a file. Exit status 2."""

    exit_code = 2


class SourceError(UserError):
    """A camera, video or pose track cannot be opened or read."""


class SpecError(UserError):
    """An exercise or routine file is invalid. The message names the file and key path."""


class ModelError(UserError):
    """A pose model is missing, corrupt or cannot be fetched."""


class OutputError(UserError):
    """An output file cannot be written (exists without --force, unwritable, disk full)."""


class SafetyStop(PosecoachError):
    """The session must stop for safety reasons (red flag, pain rising)."""

    exit_code = 3

"""The one error family. The CLI maps these to exit codes; library code only raises."""


# Control characters shown escaped (\n, \t, \x1b...), so quoted input cannot break the line.
_ESCAPES = {c: repr(chr(c))[1:-1] for c in (*range(32), 127)}


class PosecoachError(Exception):
    """Base class. `str(error)` is one line that names the problem and what to do."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # Messages quote the person's input (names, keys, paths): keep them on one line.
        super().__init__(str(message).translate(_ESCAPES))


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


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (shutdown, logout): stops the command the way Ctrl-C does, so that what
    was done is kept (a live session is saved as interrupted, a replay's report as partial)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class SafetyStop(PosecoachError):
    """The session must stop for safety reasons (red flag, pain rising)."""

    exit_code = 3

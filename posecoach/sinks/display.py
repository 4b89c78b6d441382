"""Whether a window can be opened, asked before OpenCV's Qt is asked: without a usable display
Qt aborts the whole process (SIGABRT, no report written) instead of raising.

On Linux and other X11 systems the display in `$DISPLAY` must accept a connection: its socket
is tried with a short timeout, then an X connection is made with libxcb (what Qt uses), which
also checks the authorisation. `QT_QPA_PLATFORM` naming another Qt platform (offscreen,
wayland) is the person's choice and is not second-guessed; macOS and Windows always have one.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import socket
import sys

from posecoach.errors import UserError

_TIMEOUT_S = 2.0


def display_problem() -> str | None:
    """Why no window can be opened here (None: one can)."""
    if sys.platform in ("darwin", "win32", "cygwin"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    display = os.environ.get("DISPLAY", "")
    if not display:
        return "no display to open a window on (DISPLAY is not set)"
    if not _socket_answers(display) or not _x_connects(display):
        return f"cannot connect to the display DISPLAY={display!r} (not running, or not yours to use)"
    return None


def require_display(instead: str) -> None:
    """A UserError saying what to do (`instead`, e.g. 'use --headless') when no window can open."""
    if (problem := display_problem()) is not None:
        raise UserError(f"{problem}; {instead}, or run under a desktop session or xvfb-run")


def _socket_answers(display: str) -> bool:
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdecimal():
        return False
    if host in ("", "unix") or host.startswith("/"):
        path = host if host.startswith("/") else f"/tmp/.X11-unix/X{number}"
        return any(_connects(socket.AF_UNIX, address) for address in (f"\0{path}", path))
    return _connects(socket.AF_INET6 if ":" in host else socket.AF_INET, (host, 6000 + int(number)))


def _connects(family: int, address) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(_TIMEOUT_S)
            s.connect(address)
        return True
    except (OSError, ValueError):
        return False


def _x_connects(display: str) -> bool:
    """An X connection, authorisation included, through libxcb (where it is not installed, Qt's
    xcb platform cannot run either, and the socket's answer is all there is to go on)."""
    name = ctypes.util.find_library("xcb")
    if name is None:
        return True
    try:
        xcb = ctypes.CDLL(name)
    except OSError:
        return True
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    with _native_stderr_muted():  # a refused connection prints the server's reason itself
        connection = xcb.xcb_connect(os.fsencode(display), None)
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        with contextlib.suppress(Exception):
            xcb.xcb_disconnect(connection)


@contextlib.contextmanager
def _native_stderr_muted():
    """File descriptor 2 pointed at devnull while native code runs: our one line says it all."""
    try:
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)

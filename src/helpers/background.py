"""Work with a small result (a gate's verdict, a profile table) done on the second core while
the stage goes on with its main line.

Why a fork: the work reads the large table the stage already holds in memory. A forked child
sees it without copying (pages are shared until written), and only the small result travels
back, pickled through a pipe. A spawned process would have to be sent the million rows.

Where fork is not available or not safe (Windows, macOS), or `CLIENTELA_BACKGROUND=0` is set,
the work runs in this process at once, and an error it raises is raised by `result()`, as from
a child: same result, same place for errors, no overlap.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

ENV = "CLIENTELA_BACKGROUND"


class BackgroundFailed(RuntimeError):
    """The background process died without a result (killed, out of memory)."""


def fork_available() -> bool:
    return (
        os.environ.get(ENV, "1") != "0"
        and sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _child(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    # The parent's stdout and stderr may be a notebook kernel's streams, which a forked child
    # must not write to; the child's output is dropped (results and errors travel by the pipe).
    devnull = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the child)
    sys.stdout = sys.stderr = devnull
    try:
        result = fn(*args, **kwargs)
        conn.send(("ok", result))
    except BaseException as exc:  # noqa: BLE001 (re-raised in the parent)
        try:
            conn.send(("error", exc, traceback.format_exc()))
        except Exception:  # the exception itself does not pickle
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), traceback.format_exc()))
    finally:
        conn.close()


class Background:
    """`fn(*args, **kwargs)` running in a forked child; `result()` waits for it and returns it
    (or raises what it raised)."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._fn = fn
        self._process = None
        self._done = False
        self._value: Any = None
        self._error: Exception | None = None
        if fork_available():
            ctx = multiprocessing.get_context("fork")
            self._conn, child_conn = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=_child, args=(child_conn, fn, args, kwargs), daemon=True)
            self._process.start()
            child_conn.close()
            return
        try:
            self._value = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 (raised by result(), where a child's error would be)
            self._error = exc
        self._done = True

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        if self._done:
            return self._value
        assert self._process is not None  # not done yet: the work runs in a forked child
        try:
            message = self._conn.recv()
        except EOFError:
            self._process.join()
            raise BackgroundFailed(
                f"background work {getattr(self._fn, '__name__', self._fn)!r} ended without a result "
                f"(exit code {self._process.exitcode}; killed or out of memory?). "
                f"Set {ENV}=0 to run it in the stage's own process."
            ) from None
        self._process.join()
        self._conn.close()
        if message[0] == "error":
            exc, trace = message[1], message[2]
            self._error = exc
            raise exc from BackgroundFailed(f"in the background process:\n{trace}")
        self._value = message[1]
        self._done = True
        return self._value


def in_background(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Background:
    return Background(fn, *args, **kwargs)

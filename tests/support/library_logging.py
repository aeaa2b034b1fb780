"""The library logger's state, kept and put back.

The Lambda handler's wiring gives the `sgcompliance` logger a handler that writes JSON lines to
whatever stdout is at the time, for the life of the process. Anything a test runs the handler
in (a test, a module fixture that runs the demo or drives a hub) must give the logger back as
it found it, or every command-line test later on the same worker writes log lines into the
report it reads from stdout.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

LIBRARY = "sgcompliance"

# What powertools marks a logger it configured with; restored with the handlers, so that the
# next wiring configures the logger afresh instead of looking for a handler no longer there.
_POWERTOOLS_MARKS = ("powertools_handler", "init")


@contextmanager
def library_logging_kept() -> Iterator[None]:
    library = logging.getLogger(LIBRARY)
    kept = (list(library.handlers), library.level, library.propagate)
    marks = {name: getattr(library, name) for name in _POWERTOOLS_MARKS if hasattr(library, name)}
    try:
        yield
    finally:
        if library.handlers != kept[0]:
            # The handler's cached wiring holds the logger configured meanwhile: with that
            # logger's handler taken away, a later handler call on the same wiring would log
            # nowhere (`sgc local worker` reads its decisions from those lines), so the next
            # call builds its wiring, and its logger, afresh.
            # Imported only when the handler ran, as it then already is.
            from sgcompliance.entrypoints import handler

            handler.use_wiring(None)
        library.handlers[:] = kept[0]
        library.setLevel(kept[1])
        library.propagate = kept[2]
        for name in _POWERTOOLS_MARKS:
            if name in marks:
                setattr(library, name, marks[name])
            elif hasattr(library, name):
                delattr(library, name)


def as_in_a_fresh_process() -> None:
    """Inside `library_logging_kept`: the library logger as a new `sgc` process finds it (no
    handler, no powertools marks, no cached handler wiring), whatever earlier tests on this
    worker left, so a command that configures logging does it from the start."""
    from sgcompliance.entrypoints import handler  # imported when a test needs it

    library = logging.getLogger(LIBRARY)
    library.handlers[:] = []
    for name in _POWERTOOLS_MARKS:
        if hasattr(library, name):
            delattr(library, name)
    handler.use_wiring(None)

"""What the CLI's fake runtimes share: one estate, however a policy asks it to be read."""

from __future__ import annotations

from collections.abc import Callable

from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot


class ReadsAlike:
    """`Runtime.reader_for` for a fake whose `read` holds whole groups: the judged read of a
    real runtime gives the same findings, so every policy reads through `read` here."""

    def read(self, scope: Scope) -> RegionSnapshot:
        raise NotImplementedError

    def reader_for(self, _scanner: object) -> Callable[[Scope], RegionSnapshot]:
        return self.read

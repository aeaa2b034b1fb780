"""The record of the server `sgc local up` started, so that later invocations find it.

The state file (default `.sgc/local.json` in the current directory, or `$SGC_LOCAL_STATE`)
holds pid, port, endpoint and the server's token; a record whose process has exited, or whose
pid now runs another program, is stale: `inspect` says which, and it is removed, never acted on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sgcompliance.local.server.moto_server import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    LocalServerError,
    Ownership,
    ServerInfo,
    ownership,
    process_command,
    start,
    stop_pid,
)

STATE_ENV = "SGC_LOCAL_STATE"


class StateFile:
    """Where `sgc local up` records the running server."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls, environ: Mapping[str, str] | None = None) -> StateFile:
        env = os.environ if environ is None else environ
        override = env.get(STATE_ENV)
        return cls(Path(override) if override else Path.cwd() / ".sgc" / "local.json")

    @property
    def log_path(self) -> Path:
        return self.path.with_name("moto.log")

    def load(self) -> ServerInfo | None:
        try:
            return ServerInfo.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LocalServerError(
                f"state file {self.path} is unreadable: {exc}",
                hint=f"delete {self.path} if no local server is running",
            ) from exc

    def save(self, info: ServerInfo) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(info.to_json(), indent=2) + "\n", encoding="utf-8")

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the state file records, and what that process is now (`ownership`)."""

    path: Path
    info: ServerInfo | None
    ownership: Ownership | None = None
    command: str = ""  # what the recorded pid runs now, for a record that is not ours

    @property
    def stale(self) -> bool:
        """A record of a server that exited, or of a pid that now runs another program."""
        return self.ownership in (Ownership.GONE, Ownership.NOT_OURS)

    def why_stale(self) -> str:
        """Why the record names no server of ours, as a clause: `the server recorded in X
        (pid N, port P) has exited`, or `pid N recorded in X is not the local AWS sgc started
        (it runs ...)`."""
        info = self.info
        assert info is not None
        if self.ownership is Ownership.GONE:
            return (
                f"the server recorded in {self.path} (pid {info.pid}, port {info.port}) has exited"
            )
        return f"pid {info.pid} recorded in {self.path} is not the local AWS sgc started{self.runs}"

    @property
    def runs(self) -> str:
        """` (it runs COMMAND)` when the system says what the recorded pid runs, else ""."""
        return f" (it runs {self.command})" if self.command else ""


def inspect(state: StateFile) -> Recorded:
    """The record and what its pid is now; changes nothing."""
    info = state.load()
    if info is None:
        return Recorded(state.path, None)
    owned = ownership(info)
    command = process_command(info.pid) if owned is Ownership.NOT_OURS else ""
    return Recorded(state.path, info, owned, command)


def running(state: StateFile) -> ServerInfo | None:
    """The recorded server if it is alive and answers; a stale record is removed.

    A live server that does not answer is an error rather than "not running": starting a
    second one next to it would leave the first orphaned.
    """
    return running_as(inspect(state), state)


def running_as(recorded: Recorded, state: StateFile) -> ServerInfo | None:
    """`running`, for a record already inspected."""
    info = recorded.info
    if info is None:
        return None
    if recorded.stale:
        state.clear()
        return None
    if recorded.ownership is Ownership.SILENT:
        raise LocalServerError(
            f"the local AWS (pid {info.pid}) is running but does not answer on {info.endpoint}",
            hint="stop it with `sgc local down`, then `sgc local up`",
        )
    return info


def up(
    state: StateFile, *, port: int | None = None, timeout: float = START_TIMEOUT
) -> tuple[ServerInfo, bool]:
    """The running server, starting one if needed; the flag says whether it was started now."""
    info = running(state)
    if info is not None:
        return info, False
    server = start(state.log_path, port=port, timeout=timeout, detach=True)
    state.save(server.info)
    return server.info, True


def down(state: StateFile, timeout: float = STOP_TIMEOUT) -> ServerInfo | None:
    """Stop the recorded server; returns what was stopped, or None if nothing was running.

    A stale record is removed; its pid, if alive, is another program's and is left alone."""
    return down_as(inspect(state), state, timeout)


def down_as(
    recorded: Recorded, state: StateFile, timeout: float = STOP_TIMEOUT
) -> ServerInfo | None:
    """`down`, for a record already inspected."""
    info = recorded.info
    if info is None:
        return None
    stopped = None if recorded.stale else info
    if stopped is not None:
        stop_pid(info.pid, timeout)
    state.clear()
    return stopped

"""The record of the server `sgc local up` started, so that later invocations find it.

The state file (default `.sgc/local.json` in the current directory, or `$SGC_LOCAL_STATE`)
holds pid, port and endpoint; a record whose process is gone is treated as stale and removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from sgcompliance.local.server.moto_server import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    LocalServerError,
    ServerInfo,
    answers,
    is_our_server,
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


def running(state: StateFile) -> ServerInfo | None:
    """The recorded server if it is alive; a record of a process that is gone is removed.

    A live server that does not answer is an error rather than "not running": starting a
    second one next to it would leave the first orphaned.
    """
    info = state.load()
    if info is None:
        return None
    if not is_our_server(info):
        state.clear()
        return None
    if not answers(info.endpoint, timeout=5.0):
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
    """Stop the recorded server; returns what was stopped, or None if nothing was running."""
    info = state.load()
    if info is None:
        return None
    stopped = info if is_our_server(info) else None
    if stopped is not None:
        stop_pid(info.pid, timeout)
    state.clear()
    return stopped

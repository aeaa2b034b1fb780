"""A real moto server in a subprocess, on 127.0.0.1 and a free port, over plain HTTP.

`start` waits until the server answers; `LocalServer.stop` ends it; `reset` empties it.
`server_state` keeps the record that lets separate `sgc local` invocations find it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sgcompliance.errors import SgcError

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_POLL = 0.05


class LocalServerError(SgcError):
    """The local moto server could not be started, reached or stopped."""

    code = "SGC600"
    hint = "see the server log named in the message; `sgc local down` then `sgc local up` restarts"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    pid: int
    port: int
    host: str = LOOPBACK
    log_path: str = ""
    started_at: str = ""

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "endpoint": self.endpoint}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ServerInfo:
        return cls(
            pid=int(doc["pid"]),
            port=int(doc["port"]),
            host=str(doc.get("host", LOOPBACK)),
            log_path=str(doc.get("log_path", "")),
            started_at=str(doc.get("started_at", "")),
        )


class LocalServer:
    """A running server; when this process started it, `stop` also reaps it."""

    def __init__(self, info: ServerInfo, process: subprocess.Popen[bytes] | None = None) -> None:
        self.info = info
        self._process = process

    @property
    def endpoint(self) -> str:
        return self.info.endpoint

    def answers(self) -> bool:
        return answers(self.info.endpoint)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        if self._process is not None:
            _stop_child(self._process, timeout)
        elif is_our_server(self.info):
            stop_pid(self.info.pid, timeout)


# `python -m moto.server` needs moto and its `server` extra (flask, flask-cors); the project's
# `local` extra brings them all.
SERVER_MODULES = ("moto", "flask", "flask_cors")
INSTALL_HINT = "install the local extra: pip install 'sgcompliance[local]' (it brings moto[server])"


def missing_server_modules() -> list[str]:
    """The modules of `SERVER_MODULES` this interpreter cannot import."""
    return [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]


def moto_available() -> bool:
    return not missing_server_modules()


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    log_path: Path,
    *,
    host: str = LOOPBACK,
    port: int | None = None,
    timeout: float = START_TIMEOUT,
    detach: bool = False,
) -> LocalServer:
    """Start a server and wait until it answers; LocalServerError if it does not in `timeout`.

    With no `port`, a free one is picked (and another tried if it was taken meanwhile).
    `detach` lets the server outlive this process (for `sgc local up`).
    """
    missing = missing_server_modules()
    if missing:
        raise LocalServerError(
            f"the local AWS is a moto server, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed",
            hint=INSTALL_HINT,
        )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if port is not None:
        return _start_once(log_path, host, port, timeout, detach)
    for _ in range(2):
        with contextlib.suppress(_ExitedEarlyError):
            return _start_once(log_path, host, free_port(host), timeout, detach)
    return _start_once(log_path, host, free_port(host), timeout, detach)


class _ExitedEarlyError(LocalServerError):
    """The server exited before answering, most often because its port was taken meanwhile."""


def _start_once(log_path: Path, host: str, port: int, timeout: float, detach: bool) -> LocalServer:
    command = [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
        )
    info = ServerInfo(
        pid=process.pid,
        port=port,
        host=host,
        log_path=str(log_path),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    try:
        _wait_ready(info, process, timeout)
    except BaseException:
        _stop_child(process, STOP_TIMEOUT)
        raise
    return LocalServer(info, process)


def _wait_ready(info: ServerInfo, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _ExitedEarlyError(
                f"moto server exited with code {process.returncode} before answering on "
                f"{info.endpoint}; log: {info.log_path}\n{log_tail(info.log_path)}"
            )
        if answers(info.endpoint):
            return
        time.sleep(_POLL)
    raise LocalServerError(
        f"moto server did not answer on {info.endpoint} within {timeout:.0f}s; "
        f"log: {info.log_path}\n{log_tail(info.log_path)}"
    )


def answers(endpoint: str, timeout: float = 1.0) -> bool:
    try:
        with _direct().open(f"{endpoint}/moto-api/", timeout=timeout) as response:
            return bool(200 <= response.status < 300)
    except (OSError, urllib.error.URLError):
        return False


def reset(endpoint: str, timeout: float = 10.0) -> None:
    """Forget every resource in every account and region (`POST /moto-api/reset`)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    try:
        with _direct().open(request, timeout=timeout) as response:
            if response.status != 200:
                raise LocalServerError(f"reset of {endpoint} answered HTTP {response.status}")
    except (OSError, urllib.error.URLError) as exc:
        raise LocalServerError(f"reset of {endpoint} failed: {exc}") from exc


def _direct() -> urllib.request.OpenerDirector:
    # Direct connections only: a proxy from the environment must never see local traffic.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log_tail(path: str, lines: int = 20) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_our_server(info: ServerInfo) -> bool:
    """The recorded pid is still that moto server (not a reused pid)."""
    if not pid_alive(info.pid):
        return False
    cmdline = Path(f"/proc/{info.pid}/cmdline")
    if cmdline.exists():
        with contextlib.suppress(OSError):
            args = cmdline.read_bytes().split(b"\0")
            return b"moto.server" in args and str(info.port).encode() in args
    return answers(info.endpoint)


def _stop_child(process: subprocess.Popen[bytes], timeout: float) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def stop_pid(pid: int, timeout: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(_POLL)
    if not _gone(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _gone(pid: int) -> bool:
    # When this process started the server (same-process up and down), reap it: a zombie
    # would otherwise still look alive.
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    return not pid_alive(pid)

"""A real moto server in a subprocess, on 127.0.0.1 and a free port, over plain HTTP.

`start` waits until the server answers; `LocalServer.stop` ends it; `reset` empties it.
`server_state` keeps the record that lets separate `sgc local` invocations find it.

The server proves it is the one started: `start` gives it a random token (`serve.py`) and the
readiness probe asks for it, so a port another program already holds fails the start with
`PortInUseError` (naming the holder when the system says) instead of passing for it.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import secrets
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
from enum import Enum
from pathlib import Path
from typing import Any

from sgcompliance.errors import SgcError
from sgcompliance.local.server.serve import IDENTITY_ENV, IDENTITY_PATH, MODULE

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_POLL = 0.05


class LocalServerError(SgcError):
    """The local moto server could not be started, reached or stopped."""

    code = "SGC600"
    hint = "see the server log named in the message; `sgc local down` then `sgc local up` restarts"


class ServerExitedError(LocalServerError):
    """The server exited before answering."""


class PortInUseError(ServerExitedError):
    """The server could not listen: another program holds its port."""

    hint = "choose another port with --port, or leave --port out to use a free one"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    pid: int
    port: int
    host: str = LOOPBACK
    log_path: str = ""
    started_at: str = ""
    # The token the server answers on IDENTITY_PATH ("" in records written before it existed).
    identity: str = ""

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
            identity=str(doc.get("identity", "")),
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
        # A free port may be taken between choosing it and listening on it: choose again.
        with contextlib.suppress(ServerExitedError):
            return _start_once(log_path, host, free_port(host), timeout, detach)
    return _start_once(log_path, host, free_port(host), timeout, detach)


def _start_once(log_path: Path, host: str, port: int, timeout: float, detach: bool) -> LocalServer:
    command = [sys.executable, "-m", MODULE, "-H", host, "-p", str(port)]
    identity = secrets.token_hex(16)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
            env={**os.environ, IDENTITY_ENV: identity},
        )
    info = ServerInfo(
        pid=process.pid,
        port=port,
        host=host,
        log_path=str(log_path),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        identity=identity,
    )
    try:
        _wait_ready(info, process, timeout)
    except BaseException:
        _stop_child(process, STOP_TIMEOUT)
        raise
    return LocalServer(info, process)


def _wait_ready(info: ServerInfo, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Until the process answers with its own token (not whoever holds the port) and is alive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _exited(info, process.returncode)
        if answers_as(info) and process.poll() is None:
            return
        time.sleep(_POLL)
    raise LocalServerError(
        f"moto server did not answer on {info.endpoint} within {timeout:.0f}s; "
        f"log: {info.log_path}\n{log_tail(info.log_path)}"
    )


def _exited(info: ServerInfo, returncode: int) -> ServerExitedError:
    if port_taken(info.host, info.port):
        return PortInUseError(
            f"port {info.port} on {info.host} is already in use by "
            f"{port_holder(info.port) or 'another program'}: the local AWS did not start "
            f"(log: {info.log_path})"
        )
    return ServerExitedError(
        f"moto server exited with code {returncode} before answering on "
        f"{info.endpoint}; log: {info.log_path}\n{log_tail(info.log_path)}"
    )


def answers(endpoint: str, timeout: float = 1.0) -> bool:
    """A moto server (any) answers at `endpoint`."""
    try:
        with _direct().open(f"{endpoint}/moto-api/", timeout=timeout) as response:
            return bool(200 <= response.status < 300)
    except (OSError, urllib.error.URLError):
        return False


def answers_as(info: ServerInfo, timeout: float = 1.0) -> bool:
    """The server `info` records answers at its endpoint with its token."""
    if not info.identity:
        return False
    try:
        with _direct().open(f"{info.endpoint}{IDENTITY_PATH}", timeout=timeout) as response:
            given: bytes = response.read(len(info.identity) + 1)
            return bool(response.status == 200 and given == info.identity.encode("ascii"))
    except (OSError, urllib.error.URLError):
        return False


def port_taken(host: str, port: int) -> bool:
    """Something listens on host:port (binding as the server does fails)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def port_holder(port: int) -> str | None:
    """`pid N (command line)` of the process listening on TCP `port`, when /proc says (Linux,
    a process of this user); otherwise None."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _holds_socket(entry, inodes):
            pid = int(entry.name)
            command = process_command(pid)
            return f"pid {pid} ({command})" if command else f"pid {pid}"
    return None


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
                fields = line.split()
                # local address (hex ip:hex port), remote, state (0A: LISTEN), ..., inode
                listening = len(fields) > 9 and fields[3] == "0A"
                if listening and int(fields[1].rpartition(":")[2], 16) == port:
                    inodes.add(fields[9])
    return inodes


def _holds_socket(proc: Path, inodes: set[str]) -> bool:
    try:
        fds = list((proc / "fd").iterdir())
    except OSError:  # another user's process, or gone meanwhile
        return False
    wanted = {f"socket:[{inode}]" for inode in inodes}
    return any(_link(fd) in wanted for fd in fds)


def _link(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:  # closed meanwhile (the listing's own descriptor, for one)
        return ""


def process_command(pid: int, limit: int = 80) -> str:
    """The command line of `pid` (shortened), or "" when the system does not say."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return ""
    text = " ".join(a.decode("utf-8", errors="replace") for a in args if a)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Exited, not yet reaped by its parent (Linux says so; elsewhere: assume not)."""
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rpartition(")")[2].split()[0] == "Z"
    return False


class Ownership(Enum):
    """What the process a record names is now."""

    GONE = "gone"  # it exited
    NOT_OURS = "not ours"  # another program (the pid was reused), or unprovable
    SILENT = "silent"  # the server sgc started, not answering (yet, or any more)
    OURS = "ours"  # the server sgc started, answering with its token


def ownership(info: ServerInfo) -> Ownership:
    """Whether the recorded pid is still the server that was started, and whether it answers."""
    if not pid_alive(info.pid):
        return Ownership.GONE
    started = _runs_server(info)
    if started is False:
        return Ownership.NOT_OURS
    # A record written before servers had a token is taken for what answers at its endpoint.
    answering = answers_as(info) if info.identity else answers(info.endpoint)
    if answering:
        return Ownership.OURS
    return Ownership.SILENT if started else Ownership.NOT_OURS


def _runs_server(info: ServerInfo) -> bool | None:
    """Whether the pid runs a server on the recorded port (its command line says); None when
    the system does not say (no /proc)."""
    try:
        args = Path(f"/proc/{info.pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    modules = {MODULE.encode(), b"moto.server"}  # moto.server: records of earlier versions
    return bool(modules & set(args)) and str(info.port).encode() in args


def is_our_server(info: ServerInfo) -> bool:
    """The recorded pid is still the server that was started (not a reused pid)."""
    return ownership(info) in (Ownership.OURS, Ownership.SILENT)


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

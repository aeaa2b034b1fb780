"""`sgc local up --port P` when P is taken, and state files naming a server that is gone or is
not the one sgc started: the commands say so in one line, never report someone else's server as
started, never seed it, and never stop a process that is not theirs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.server.moto_server import ServerInfo, answers
from sgcompliance.local.server.state import StateFile, down

pytestmark = pytest.mark.integration

runner = CliRunner()


@dataclass
class Held:
    """A port held by a plain server of this test process, and what it was asked."""

    port: int
    requests: list[str] = field(default_factory=list)

    def asked_beyond_a_probe(self) -> list[str]:
        # A readiness probe may knock; anything else (seeding: POSTs) went to the wrong server.
        return [r for r in self.requests if not r.startswith("GET ")]


@contextmanager
def http_server_holding_a_port() -> Iterator[Held]:
    """A plain HTTP server answering 200 to every request, as another moto server would answer
    a readiness probe."""
    held = Held(0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            held.requests.append(f"{method} {self.path}")
            body = b"{}"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    held.port = server.server_address[1]
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield held
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def socket_holding_a_port() -> Iterator[Held]:
    """A listening socket that accepts and never answers."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield Held(busy.getsockname()[1])


@pytest.fixture
def state_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / ".sgc" / "local.json"
    yield path
    down(StateFile(path))  # never leave a server behind


def sgc(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "holding", [http_server_holding_a_port, socket_holding_a_port], ids=["http", "socket"]
)
def test_up_on_a_taken_port_fails_naming_the_port_and_its_holder_and_seeds_nothing(
    state_path: Path, holding: Callable[[], AbstractContextManager[Held]]
) -> None:
    # GIVEN port P held by a server of this very process
    with holding() as held:
        # WHEN `sgc local up --port P --seed` runs
        code, out, err = sgc("local", "up", "--port", str(held.port), "--seed", "--state",
                             str(state_path))  # fmt: skip
        requests = list(held.requests)
    # THEN it fails with one line naming the port and what holds it, and a hint
    assert code == 2, out + err
    assert "started" not in out
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith(
        f"error: port {held.port} on 127.0.0.1 is already in use by pid {os.getpid()} ("
    ), err
    assert lines[1].startswith("hint: ")
    # AND nothing was recorded and nothing was seeded into the other server
    assert not state_path.exists()
    assert not state_path.with_name("demo.json").exists()
    assert [r for r in requests if not r.startswith("GET ")] == []


def test_up_without_a_port_still_finds_a_free_one(state_path: Path) -> None:
    code, out, err = sgc("local", "up", "--state", str(state_path))
    assert code == 0, out + err
    info = json.loads(state_path.read_text())
    assert out.splitlines()[0].startswith(f"local AWS started at {info['endpoint']}")
    assert answers(info["endpoint"])


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    # `up` ran in this process, so the server is its child: reap it, as init would.
    os.waitpid(pid, 0)


def test_status_and_down_say_the_recorded_server_has_exited(state_path: Path) -> None:
    # GIVEN a local AWS that was started and then died (killed, machine slept, ...)
    sgc("local", "up", "--state", str(state_path))
    info = json.loads(state_path.read_text())
    _kill(info["pid"])
    # WHEN its status is asked THEN it is not running, and the answer says why
    code, out, _ = sgc("local", "status", "--state", str(state_path))
    assert code == 1
    assert out.splitlines()[0] == (
        f"local AWS: not running: the server recorded in {state_path} (pid {info['pid']}, "
        f"port {info['port']}) has exited; removed the record (start one with `sgc local up`)"
    )
    assert not state_path.exists()


def test_down_of_a_server_that_exited_says_so(state_path: Path) -> None:
    sgc("local", "up", "--state", str(state_path))
    info = json.loads(state_path.read_text())
    _kill(info["pid"])
    code, out, _ = sgc("local", "down", "--state", str(state_path))
    assert code == 0
    assert out.splitlines() == [
        f"the server recorded in {state_path} (pid {info['pid']}, port {info['port']}) has "
        "exited; removed the record"
    ]
    assert not state_path.exists()


def test_up_over_a_record_of_a_server_that_exited_says_so_and_starts_one(
    state_path: Path,
) -> None:
    sgc("local", "up", "--state", str(state_path))
    old = json.loads(state_path.read_text())
    _kill(old["pid"])
    code, out, err = sgc("local", "up", "--state", str(state_path))
    assert code == 0, out + err
    new = json.loads(state_path.read_text())
    assert new["pid"] != old["pid"]
    assert out.splitlines()[0] == (
        f"note: the server recorded in {state_path} (pid {old['pid']}, port {old['port']}) has "
        "exited; starting a new one"
    )
    assert out.splitlines()[1].startswith(f"local AWS started at {new['endpoint']}")


@contextmanager
def unrelated_process() -> Iterator[subprocess.Popen[bytes]]:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield sleeper
    finally:
        sleeper.kill()
        sleeper.wait()


def test_down_never_stops_a_process_that_is_not_the_server_sgc_started(state_path: Path) -> None:
    # GIVEN a state file naming another program's pid, and a port another server answers on
    # (as after the pid was reused by an unrelated process)
    with http_server_holding_a_port() as held, unrelated_process() as other:
        StateFile(state_path).save(ServerInfo(pid=other.pid, port=held.port))
        # WHEN `sgc local down` runs
        code, out, err = sgc("local", "down", "--state", str(state_path))
        # THEN the other process still runs, the output says why it was left alone, and the
        # record is gone
        assert other.poll() is None
        requests = list(held.requests)
    assert code == 0, out + err
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith(
        f"did not stop pid {other.pid}: it is not the local AWS sgc started (it runs "
    )
    assert lines[0].endswith(f"); removed the record in {state_path}")
    assert [r for r in requests if not r.startswith("GET ")] == []
    assert not state_path.exists()


def test_status_of_a_record_naming_another_program_says_so(state_path: Path) -> None:
    with unrelated_process() as other:
        StateFile(state_path).save(ServerInfo(pid=other.pid, port=1))
        code, out, _ = sgc("local", "status", "--state", str(state_path))
        assert other.poll() is None
    assert code == 1
    assert out.splitlines()[0].startswith(
        f"local AWS: not running: pid {other.pid} recorded in {state_path} is not the local AWS "
        "sgc started (it runs "
    )

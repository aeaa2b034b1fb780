"""`sgc local status`, `down` and `seed` over a state file that names a server that has exited,
or a pid that now runs another program: they say so, remove the record, and never stop the
other program. No server is started here (tests/integration/test_it_local_port.py starts them).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.server.moto_server import ServerInfo, free_port
from sgcompliance.local.server.serve import IDENTITY_PATH, with_identity
from sgcompliance.local.server.state import StateFile

runner = CliRunner()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / ".sgc" / "local.json"


@pytest.fixture
def exited_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


@pytest.fixture
def other_program() -> Iterator[subprocess.Popen[bytes]]:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield sleeper
    sleeper.kill()
    sleeper.wait()


def sgc(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_status_says_the_recorded_server_has_exited(state_path: Path, exited_pid: int) -> None:
    port = free_port()
    StateFile(state_path).save(ServerInfo(pid=exited_pid, port=port, identity="0" * 32))
    code, out, _ = sgc("local", "status", "--state", str(state_path))
    assert code == 1
    assert out.splitlines() == [
        f"local AWS: not running: the server recorded in {state_path} (pid {exited_pid}, port "
        f"{port}) has exited; removed the record (start one with `sgc local up`)"
    ]
    assert not state_path.exists()


def test_down_says_the_recorded_server_has_exited(state_path: Path, exited_pid: int) -> None:
    StateFile(state_path).save(ServerInfo(pid=exited_pid, port=free_port()))
    code, out, _ = sgc("local", "down", "--state", str(state_path))
    assert code == 0
    assert out.splitlines()[0].endswith(") has exited; removed the record")
    assert not state_path.exists()


def test_down_leaves_another_program_running(
    state_path: Path, other_program: subprocess.Popen[bytes]
) -> None:
    # GIVEN a record whose pid now runs another program (pid reuse)
    StateFile(state_path).save(ServerInfo(pid=other_program.pid, port=free_port()))
    # WHEN `sgc local down` runs THEN that program still runs and the output says why
    code, out, _ = sgc("local", "down", "--state", str(state_path))
    assert code == 0
    assert other_program.poll() is None
    assert out.splitlines() == [
        f"did not stop pid {other_program.pid}: it is not the local AWS sgc started (it runs "
        f"{sys.executable} -c import time; time.sleep(120)); removed the record in {state_path}"
    ]
    assert not state_path.exists()


def test_seed_over_a_stale_record_says_why_nothing_runs(
    state_path: Path, exited_pid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    port = free_port()
    StateFile(state_path).save(ServerInfo(pid=exited_pid, port=port))
    code, _, err = sgc("local", "seed", "--state", str(state_path))
    assert code == 2
    assert err.splitlines()[0] == (
        f"error: no local AWS is running (the server recorded in {state_path} (pid {exited_pid}, "
        f"port {port}) has exited; removed the record)"
    )


def test_the_server_answers_its_token_and_passes_everything_else_to_moto() -> None:
    # GIVEN moto's app wrapped with a token
    calls: list[str] = []

    def moto(environ: dict[str, object], start_response: object) -> list[bytes]:
        calls.append(str(environ["PATH_INFO"]))
        return [b"moto"]

    app_ = with_identity(moto, "f00d")  # type: ignore[arg-type]
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        started.append(status)

    # WHEN asked for the token, and for anything else
    token = app_({"PATH_INFO": IDENTITY_PATH}, start_response)  # type: ignore[arg-type]
    other = app_({"PATH_INFO": "/moto-api/"}, start_response)  # type: ignore[arg-type]
    # THEN the token path is answered by the wrapper, the rest by moto
    assert list(token) == [b"f00d"]
    assert started == ["200 OK"]
    assert list(other) == [b"moto"]
    assert calls == ["/moto-api/"]

"""The local AWS lifecycle: start, state file across invocations, stop, clear failures."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sgcompliance.local.server.moto_server import LocalServerError, ServerInfo, answers, start
from sgcompliance.local.server.state import StateFile, down, running, up

pytestmark = pytest.mark.integration


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateFile]:
    store = StateFile(tmp_path / ".sgc" / "local.json")
    yield store
    down(store)  # never leave a server behind, whatever the test did


def test_up_records_a_server_that_a_later_invocation_finds(state: StateFile) -> None:
    # GIVEN `sgc local up` ran
    info, started = up(state)
    # WHEN another invocation reads the same state file
    again, started_again = up(StateFile(state.path))
    # THEN it finds the running server instead of starting a second one
    assert started
    assert not started_again
    assert again == info
    assert answers(info.endpoint)


def test_down_stops_the_recorded_server_and_clears_the_state(state: StateFile) -> None:
    info, _ = up(state)
    stopped = down(StateFile(state.path))
    assert stopped == info
    assert not answers(info.endpoint)
    assert not state.path.exists()


def test_a_stale_state_file_is_cleared_and_reports_not_running(state: StateFile) -> None:
    # GIVEN a state file naming a server that no longer exists
    info, _ = up(state)
    down(state)
    state.save(info)
    # WHEN asking whether it runs THEN it does not, and the stale record is gone
    assert running(state) is None
    assert not state.path.exists()


def test_down_never_kills_a_process_that_is_not_the_recorded_server(state: StateFile) -> None:
    # GIVEN a state file whose pid is this test process (as after pid reuse)
    state.save(ServerInfo(pid=os.getpid(), port=1))
    # WHEN stopping THEN nothing is stopped (this process survives) and the record is cleared
    assert down(state) is None
    assert not state.path.exists()


def test_a_taken_port_fails_fast_with_the_log_named(tmp_path: Path) -> None:
    # GIVEN the requested port is already bound by someone else
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        log = tmp_path / "moto.log"
        # WHEN starting on it THEN a clear error names the log file
        with pytest.raises(LocalServerError) as info:
            start(log, port=port, timeout=60)
    assert str(log) in str(info.value)
    assert info.value.code == "SGC600"


def test_a_free_port_is_chosen_and_the_server_is_stopped(tmp_path: Path) -> None:
    server = start(tmp_path / "moto.log")
    try:
        assert server.info.host == "127.0.0.1"
        assert server.answers()
    finally:
        server.stop()
    assert not answers(server.endpoint)

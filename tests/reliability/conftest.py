"""The reliability campaign's fixtures: one moto server per session (per xdist worker), the
fault proxy in front of it, and the tally `make reliability` prints at the end.

The estate builders and oracles of the integration tests are reused (`support.live_estate`); the
campaign's sizes come from the environment so that `make test` runs a small campaign and
`make reliability` the full one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rel_campaign import Campaign
from rel_tally import TALLY, Tally
from rel_wiring import STALL

from sgcompliance.local.server.moto_server import LocalServer, reset
from support.faults.proxy import FaultProxy
from support.moto_env import fake_aws_server


@pytest.fixture(scope="session")
def rel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    log_path = tmp_path_factory.mktemp("rel-moto") / "moto.log"
    with fake_aws_server(log_path, export_endpoint=False) as server:
        yield server


@pytest.fixture(scope="session")
def fault_proxy(rel_server: LocalServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy(rel_server.endpoint, stall=STALL).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="session")
def campaign(rel_server: LocalServer, fault_proxy: FaultProxy) -> Campaign:
    def fresh() -> str:
        reset(rel_server.endpoint)
        return rel_server.endpoint

    return Campaign(fresh, fault_proxy)


@pytest.fixture
def endpoint(rel_server: LocalServer, fault_proxy: FaultProxy) -> str:
    """The server's own endpoint, emptied, with the proxy's record cleared and no faults."""
    fault_proxy.clear()
    reset(rel_server.endpoint)
    return rel_server.endpoint


@pytest.fixture(scope="session")
def tally() -> Tally:
    return TALLY


def pytest_sessionfinish(session: pytest.Session) -> None:
    # An xdist worker hands its tally to the controller, which prints the table.
    output = getattr(session.config, "workeroutput", None)
    if output is not None and not TALLY.empty:
        output["rel_tally"] = json.dumps(TALLY.to_dict())


def pytest_testnodedown(node: Any, error: Any) -> None:
    found = getattr(node, "workeroutput", {}).get("rel_tally")
    if found:
        TALLY.merge(json.loads(found))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.empty:
        return
    terminalreporter.section("reliability campaign")
    for line in TALLY.table():
        terminalreporter.write_line(line)

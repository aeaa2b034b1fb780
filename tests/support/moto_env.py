"""A moto server for a test session, with fake credentials and no AWS configuration files in
the environment, so that nothing a test does can reach real AWS; and the session's use of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.local.seed.organization import DemoOrg, seed_demo_org
from sgcompliance.local.server.moto_server import LocalServer, reset, start

# Generous: a cold start (imports on a loaded machine) is the slow part, typically well under 2s.
START_TIMEOUT = 60.0
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
CLEARED_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION")


@contextmanager
def fake_aws_server(log_path: Path, *, export_endpoint: bool) -> Iterator[LocalServer]:
    """A started server (stopped on exit); with `export_endpoint`, AWS_ENDPOINT_URL names it."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in FAKE_ENV.items():
            env.setenv(key, value)
        for key in CLEARED_ENV:
            env.delenv(key, raising=False)
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
        env.setenv("NO_PROXY", no_proxy)
        server = start(log_path, timeout=START_TIMEOUT)
        try:
            if export_endpoint:
                env.setenv("AWS_ENDPOINT_URL", server.endpoint)
            yield server
        finally:
            server.stop()


class ServerUse:
    """Counts resets so that a seeded demo organization is reused only while it is intact."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.generation = 0
        self.seeded: tuple[int, DemoOrg] | None = None

    def fresh(self) -> str:
        reset(self.server.endpoint)
        self.generation += 1
        return self.server.endpoint

    def demo(self) -> DemoOrg:
        if self.seeded is not None and self.seeded[0] == self.generation:
            return self.seeded[1]
        endpoint = self.fresh()
        org = seed_demo_org(ClientFactory(AwsSettings.from_options(endpoint_url=endpoint)))
        self.seeded = (self.generation, org)
        return org

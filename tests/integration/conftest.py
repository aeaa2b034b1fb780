"""One real moto server per test session (per xdist worker), over HTTP on 127.0.0.1.

The server is started through the product's own `local/moto_server.py`, its log is kept under
the session's temporary directory, and it is always stopped at the end of the session. The
test process gets fake credentials and no AWS configuration files, so nothing can reach real
AWS. Every test that asks for `endpoint` starts from an empty server; tests that ask for
`demo_org` share one seeded demo organization (reseeded whenever a reset came in between) and
must not change it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.local.seed.organization import DemoOrg, seed_demo_org
from sgcompliance.local.server.moto_server import LocalServer
from support.live_estate import BUCKET, ORG_REGION, Estate, estate_of
from support.moto_env import ServerUse, fake_aws_server

DEFAULT_ACCOUNT = "123456789012"  # moto's account for credentials it did not issue


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with fake_aws_server(log_path, export_endpoint=True) as server:
        yield server


@pytest.fixture(scope="session")
def server_use(moto_server: LocalServer) -> ServerUse:
    return ServerUse(moto_server)


@pytest.fixture
def endpoint(server_use: ServerUse) -> str:
    """The server's endpoint, emptied before the test."""
    return server_use.fresh()


@pytest.fixture
def demo_org(server_use: ServerUse) -> DemoOrg:
    """The seeded demo organization; read-only for the test."""
    return server_use.demo()


@pytest.fixture
def counter() -> ApiCallCounter:
    return ApiCallCounter()


@pytest.fixture
def factory(endpoint: str, counter: ApiCallCounter) -> ClientFactory:
    return ClientFactory(AwsSettings.from_options(endpoint_url=endpoint), counter=counter)


@pytest.fixture
def ec2(factory: ClientFactory) -> Any:
    """EC2 in the default account, us-east-1."""
    return factory.ec2("us-east-1")


@pytest.fixture
def org(endpoint: str) -> DemoOrg:
    """A freshly seeded demo organization (one region), this test's to change."""
    return seed_demo_org(
        ClientFactory(AwsSettings.from_options(endpoint_url=endpoint)), regions=(ORG_REGION,)
    )


@pytest.fixture
def estate(org: DemoOrg) -> Estate:
    return estate_of(org)


@pytest.fixture
def bucket(org: DemoOrg) -> Any:
    """A versioned bucket in the account the tool runs in."""
    s3 = boto3.client("s3", endpoint_url=org.endpoint, region_name=ORG_REGION)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3

"""Client construction: endpoint resolution, retry and user-agent configuration, reuse."""

from __future__ import annotations

from pathlib import Path

import botocore
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import JSONFileLoader, Loader

from sgcompliance import __version__
from sgcompliance.adapters.aws.session import (
    AwsSettings,
    ClientFactory,
    PlainJsonFiles,
    StaticCredentials,
)
from sgcompliance.errors import ConfigError

LOCAL = "http://127.0.0.1:5999"


def test_aws_endpoint_url_from_the_environment_is_honoured() -> None:
    settings = AwsSettings.from_options(environ={"AWS_ENDPOINT_URL": LOCAL})
    assert settings.endpoint_url == LOCAL


def test_an_explicit_endpoint_wins_over_the_environment() -> None:
    settings = AwsSettings.from_options(
        endpoint_url="http://localhost:7000", environ={"AWS_ENDPOINT_URL": LOCAL}
    )
    assert settings.endpoint_url == "http://localhost:7000"


def test_no_endpoint_means_real_aws() -> None:
    settings = AwsSettings.from_options(environ={})
    assert settings.endpoint_url is None
    assert not settings.is_local


@pytest.mark.parametrize(
    ("url", "local"),
    [
        (LOCAL, True),
        ("http://localhost:1", True),
        ("http://[::1]:1", True),
        ("https://x.io", False),
    ],
)
def test_loopback_endpoints_are_local(url: str, local: bool) -> None:
    assert AwsSettings(endpoint_url=url).is_local is local


def test_an_endpoint_that_is_not_an_http_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="endpoint URL"):
        AwsSettings(endpoint_url="127.0.0.1:5000")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://[zz]:80", "'zz' does not appear to be an IPv4 or IPv6 address"),
        ("http://127.0.0.1:abc", "the port must be a number from 1 to 65535"),
        ("http://127.0.0.1:99999", "the port must be a number from 1 to 65535"),
        ("http://127.0.0.1:", "the port must be a number from 1 to 65535"),
        ("http://127.0.0.1:0", "the port must be a number from 1 to 65535"),
        ("http://a host:5000", "the host is not a valid host name or address"),
        ("ftp://127.0.0.1:5000", "it must start with http:// or https://"),
        ("http://:5000", "it names no host"),
    ],
)
def test_a_malformed_endpoint_is_a_config_error_naming_it(url: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        AwsSettings(endpoint_url=url)
    assert caught.value.message == f"endpoint URL {url!r} is not usable: {why}"
    assert "--endpoint-url" in caught.value.hint


def test_a_long_malformed_endpoint_is_shortened_in_its_error() -> None:
    url = "http://[" + "1" * 500
    with pytest.raises(ConfigError) as caught:
        AwsSettings(endpoint_url=url)
    assert len(caught.value.message) < 200
    assert caught.value.message.startswith("endpoint URL 'http://[111")


@pytest.mark.parametrize(
    "url", ["http://[::1]:5000", "https://ec2.eu-west-1.amazonaws.com", "http://localhost:4599/"]
)
def test_a_well_formed_endpoint_is_accepted(url: str) -> None:
    assert AwsSettings(endpoint_url=url).endpoint_url == url


def test_max_attempts_below_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="max attempts"):
        AwsSettings(max_attempts=0)


def test_clients_use_adaptive_retries_and_the_project_user_agent() -> None:
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL, max_attempts=7), environ={})
    config = factory.ec2("eu-west-1").meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert config.user_agent_extra == f"sgcompliance/{__version__}"


def test_clients_go_to_the_configured_endpoint_and_region() -> None:
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL), environ={})
    client = factory.ec2("eu-west-1")
    assert client.meta.endpoint_url == LOCAL
    assert client.meta.region_name == "eu-west-1"


def test_a_client_is_built_once_per_service_region_and_credentials() -> None:
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL), environ={})
    member = StaticCredentials("ASIA1", "secret", "token")
    assert factory.ec2("eu-west-1") is factory.ec2("eu-west-1")
    assert factory.ec2("eu-west-1") is not factory.ec2("us-east-1")
    assert factory.ec2("eu-west-1", member) is not factory.ec2("eu-west-1")


def test_a_local_endpoint_without_a_region_defaults_to_us_east_1() -> None:
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL), environ={})
    assert factory.region == "us-east-1"


def test_an_unknown_profile_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    with pytest.raises(ConfigError, match="profile 'nope' not found"):
        ClientFactory(AwsSettings(profile="nope"), environ={})


def test_refreshed_credentials_of_an_account_replace_its_client() -> None:
    # GIVEN a client built with an account's first credentials
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL), environ={})
    first = factory.ec2("eu-west-1", StaticCredentials("ASIA1", "s", "t"), owner="222222222222")
    # WHEN the account's credentials were refreshed
    second = factory.ec2("eu-west-1", StaticCredentials("ASIA2", "s", "t"), owner="222222222222")
    # THEN a new client is used from then on
    assert second is not first
    assert (
        factory.ec2("eu-west-1", StaticCredentials("ASIA2", "s", "t"), owner="222222222222")
        is second
    )


def test_the_sdks_data_files_are_read_as_plain_dicts_with_the_same_content() -> None:
    # GIVEN the SDK's own reader and the factory's, on the EC2 model and the endpoint rules
    data = Path(botocore.__file__).parent / "data"
    for name in ("ec2/2016-11-15/service-2", "ec2/2016-11-15/endpoint-rule-set-1", "endpoints"):
        # WHEN each reads the file  THEN the same data, as plain dicts (no OrderedDict)
        plain = PlainJsonFiles().load_file(str(data / name))
        assert plain == JSONFileLoader().load_file(str(data / name))
        assert type(plain) is dict
    assert PlainJsonFiles().load_file(str(data / "no-such-file")) is None


def test_the_factorys_clients_read_their_models_through_the_plain_reader() -> None:
    # GIVEN a factory  WHEN it builds a client  THEN its session reads models as plain dicts
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL), environ={})
    client = factory.ec2("eu-west-1")
    assert client.meta.service_model.operation_model("DescribeSecurityGroups").name
    loader = factory._session.get_component("data_loader")
    assert isinstance(loader.file_loader, PlainJsonFiles)


def test_a_client_is_built_without_listing_every_service_the_sdk_knows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN listing every service would fail (it costs a listing of ~450 directories)
    def every(self: Loader, type_name: str) -> list[str]:
        raise AssertionError("every service listed")

    monkeypatch.setattr(Loader, "list_available_services", every)
    # WHEN the factory builds clients of several services  THEN each is built
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL), environ={})
    for service in ("ec2", "s3", "sts", "sns", "ssm"):
        assert factory.client(service, "eu-west-1").meta.service_model.service_name == service


def test_an_unknown_service_is_refused_naming_the_known_ones() -> None:
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL), environ={})
    with pytest.raises(UnknownServiceError) as refused:
        factory.client("ec2/../s3", "eu-west-1")
    assert "ec2, ec2-instance-connect" in str(refused.value)
    loader = factory._session.get_component("data_loader")
    assert "ec2" in loader.list_available_services("service-2")
    assert "no-such-service" not in loader.list_available_services("service-2")
    assert list(loader.list_available_services("service-2")) == sorted(
        Loader.list_available_services(loader, "service-2")
    )

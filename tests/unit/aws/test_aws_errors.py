"""Translation of botocore exceptions into the project's error tree, one family per test."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.errors import (
    AccessDeniedError,
    AwsApiError,
    AwsUnavailableError,
    ConfigError,
    NotFoundError,
    SgcError,
    ThrottledError,
)


def client_error(code: str, message: str = "details", operation: str = "X") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"RequestId": "req-1"}},
        operation,
    )


def raised_by(exc: Exception, operation: str = "DescribeSecurityGroups") -> SgcError:
    with pytest.raises(SgcError) as info, translating(operation, scope="111111111111/eu-west-1"):
        raise exc
    return info.value


@pytest.mark.parametrize("code", ["AccessDenied", "UnauthorizedOperation", "AccessDeniedException"])
def test_permission_codes_become_access_denied(code: str) -> None:
    # GIVEN a permission error WHEN translated THEN it is AccessDeniedError with its AWS code
    err = raised_by(client_error(code))
    assert type(err) is AccessDeniedError
    assert (err.code, err.aws_code, err.operation) == ("SGC501", code, "DescribeSecurityGroups")


def test_expired_credentials_are_access_denied_with_a_credentials_hint() -> None:
    err = raised_by(client_error("ExpiredToken"))
    assert isinstance(err, AccessDeniedError)
    assert "expired" in err.hint


@pytest.mark.parametrize(
    "code",
    ["Throttling", "RequestLimitExceeded", "ThrottlingException", "TooManyRequestsException"],
)
def test_throttling_codes_become_throttled(code: str) -> None:
    err = raised_by(client_error(code))
    assert type(err) is ThrottledError
    assert err.code == "SGC502"


@pytest.mark.parametrize(
    "code",
    [
        "InvalidGroup.NotFound",
        "InvalidSecurityGroupRuleId.NotFound",
        "InvalidPermission.NotFound",
        "InvalidPrefixListID.NotFound",
    ],
)
def test_missing_resource_codes_become_not_found(code: str) -> None:
    err = raised_by(client_error(code))
    assert type(err) is NotFoundError
    assert err.code == "SGC503"


def test_endpoint_connection_failure_becomes_unavailable() -> None:
    err = raised_by(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert type(err) is AwsUnavailableError
    assert err.code == "SGC504"


def test_read_timeout_becomes_unavailable() -> None:
    err = raised_by(ReadTimeoutError(endpoint_url="http://127.0.0.1:9"))
    assert type(err) is AwsUnavailableError


def test_other_client_errors_stay_generic_api_errors() -> None:
    err = raised_by(client_error("InvalidParameterValue"))
    assert type(err) is AwsApiError
    assert err.aws_code == "InvalidParameterValue"


def test_missing_credentials_are_a_configuration_error() -> None:
    err = raised_by(NoCredentialsError())
    assert type(err) is ConfigError
    assert "sgc local up" in err.hint


def test_parameter_validation_is_a_generic_api_error() -> None:
    err = raised_by(ParamValidationError(report="bad MaxResults"))
    assert type(err) is AwsApiError


def test_message_names_operation_scope_code_and_request_id() -> None:
    err = raised_by(client_error("UnauthorizedOperation", "not allowed"))
    assert str(err) == (
        "DescribeSecurityGroups in 111111111111/eu-west-1 failed: "
        "UnauthorizedOperation: not allowed (request id req-1)"
    )


def test_translated_error_is_chained_to_the_botocore_exception() -> None:
    original = client_error("AccessDenied")
    err = raised_by(original)
    assert err.__cause__ is original


def test_translating_works_as_a_decorator() -> None:
    @translating("DeleteTags")
    def call() -> None:
        raise client_error("InvalidGroup.NotFound")

    with pytest.raises(NotFoundError) as info:
        call()
    assert info.value.operation == "DeleteTags"


def test_non_botocore_exceptions_pass_through_untouched() -> None:
    with pytest.raises(KeyError), translating("DescribeRegions"):
        raise KeyError("x")

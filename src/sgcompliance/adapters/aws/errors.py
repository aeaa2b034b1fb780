"""The one place where botocore exceptions become the project's errors.

Wrap every AWS call in `translating("Operation")`; callers then catch only `SgcError` subclasses
(defined in `sgcompliance.errors` so that `app` can catch them without importing botocore).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from sgcompliance.errors import (
    AccessDeniedError,
    AwsApiError,
    AwsUnavailableError,
    ConfigError,
    NotFoundError,
    SgcError,
    ThrottledError,
)

__all__ = [
    "AccessDeniedError",
    "AwsApiError",
    "AwsUnavailableError",
    "NotFoundError",
    "ThrottledError",
    "translate",
    "translating",
]

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthFailure",
        "AccessDeniedForDependencyException",
    }
)
# The caller's own credentials are the problem, not a missing permission.
BAD_CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "InvalidGroup.NotFound",
        "InvalidSecurityGroupRuleId.NotFound",
        "InvalidPermission.NotFound",
        "InvalidPrefixListID.NotFound",
        "InvalidNetworkInterfaceID.NotFound",
        "NoSuchEntity",
        "NoSuchKey",
        "NoSuchBucket",
        "ParameterNotFound",
        "ResourceNotFoundException",
        "AccountNotFoundException",
    }
)


@contextmanager
def translating(operation: str, *, scope: str = "") -> Iterator[None]:
    """Run the body, turning any botocore exception into an `SgcError` chained to it.

    Usable as `with translating("DescribeSecurityGroups"):` or as a decorator.
    `scope` (e.g. "111111111111/eu-west-1") is added to the message.
    """
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, operation, scope=scope) from exc


def translate(exc: BotoCoreError | ClientError, operation: str, *, scope: str = "") -> SgcError:
    """The project error for one botocore exception (the caller raises it `from exc`)."""
    where = f" in {scope}" if scope else ""
    if isinstance(exc, ClientError):
        return _client_error(exc, operation, where)
    if isinstance(exc, ConnectionError | HTTPClientError):
        return AwsUnavailableError(
            f"{operation}{where}: the endpoint did not answer: {exc}",
            operation=operation,
            aws_code="EndpointUnavailable",
        )
    if isinstance(exc, NoCredentialsError | PartialCredentialsError | ProfileNotFound):
        return ConfigError(
            f"{operation}{where}: {exc}",
            hint="configure credentials (AWS_PROFILE, --profile, environment variables) "
            "or point --endpoint-url at the local AWS started by `sgc local up`",
        )
    if isinstance(exc, NoRegionError):
        return ConfigError(f"{operation}{where}: {exc}", hint="pass --regions or set AWS_REGION")
    return AwsApiError(
        f"{operation}{where}: {type(exc).__name__}: {exc}",
        operation=operation,
        aws_code=type(exc).__name__,
    )


def _client_error(exc: ClientError, operation: str, where: str) -> AwsApiError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    detail = str(error.get("Message") or "").strip()
    request_id = exc.response.get("ResponseMetadata", {}).get("RequestId", "")
    message = f"{operation}{where} failed: {code}"
    if detail:
        message += f": {detail}"
    if request_id:
        message += f" (request id {request_id})"
    cls: type[AwsApiError]
    if code in ACCESS_DENIED_CODES or code in BAD_CREDENTIAL_CODES:
        cls = AccessDeniedError
    elif code in THROTTLING_CODES:
        cls = ThrottledError
    elif code in NOT_FOUND_CODES or code.endswith(".NotFound"):
        cls = NotFoundError
    else:
        cls = AwsApiError
    err = cls(message, operation=operation, aws_code=code)
    if code in BAD_CREDENTIAL_CODES:
        err.hint = "the credentials are invalid or expired: refresh them (e.g. `aws sso login`)"
    return err

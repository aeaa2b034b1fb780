"""The one place where botocore exceptions become the project's errors.

Wrap every AWS call in `translating("Operation")`; callers then catch only `SgcError` subclasses
(defined in `sgcompliance.errors` so that `app` can catch them without importing botocore).

Whatever an endpoint answers, the message is one line of bounded length: an endpoint that is not
AWS (a proxy's or a web server's HTML page, garbage, a truncated body) is named as such, and its
body never reaches a message. Besides botocore's own exceptions, the SDK lets some escape that
are not botocore's (`ResponseParserError`, a `KeyError` or `UnicodeDecodeError` while parsing
an answer that is not AWS's, urllib3's); they are translated too, so no traceback reaches the
user. An exception of the caller's own code passes through untouched.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import botocore
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

from sgcompliance.adapters.aws.lost_answers import lost_answers
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
    "InconsistentReadError",
    "NotFoundError",
    "ThrottledError",
    "aws_answer",
    "translate",
    "translating",
]

# Characters of an endpoint's own text (an AWS error message, a connection error) kept in a
# message: enough for any AWS message worth reading, never a page of HTML.
DETAIL_LIMIT = 240
NOT_AWS = "not an AWS response"
NOT_AWS_HINT = (
    "something other than AWS answered (a proxy, a web server, a region that does not exist): "
    "check --endpoint-url, the region and the network"
)
# The SDK's own code: an exception raised in it while reading an answer is about the answer.
_SDK_PACKAGES = ("botocore", "boto3", "s3transfer", "urllib3")
_SDK_DIRS = (str(Path(botocore.__file__).resolve().parent),)
_STDLIB_DIRS = tuple(
    {str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "platstdlib")}
)
_PARSERS = str(Path("botocore", "parsers.py"))


class InconsistentReadError(AwsApiError):
    """AWS described one account-region two ways at once: DescribeSecurityGroups and
    DescribeSecurityGroupRules disagreed, twice in a row."""

    code = "SGC505"
    hint = (
        "a group changed while it was read, or AWS answered inconsistently: scan again; if it "
        "persists, compare `aws ec2 describe-security-groups` with "
        "`aws ec2 describe-security-group-rules` for the group named"
    )


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
    except Exception as exc:
        if not _from_the_sdk(exc):
            raise
        raise _sdk_failure(exc, operation, scope) from exc


def translate(exc: BotoCoreError | ClientError, operation: str, *, scope: str = "") -> SgcError:
    """The project error for one botocore exception (the caller raises it `from exc`)."""
    where = f" in {scope}" if scope else ""
    if isinstance(exc, ClientError):
        return _client_error(exc, operation, where)
    if isinstance(exc, ConnectionError | HTTPClientError):
        return AwsUnavailableError(
            f"{operation}{where}: the endpoint did not answer: {detail_text(str(exc))}",
            operation=operation,
            aws_code="EndpointUnavailable",
        )
    if isinstance(exc, NoCredentialsError | PartialCredentialsError | ProfileNotFound):
        return ConfigError(
            f"{operation}{where}: {detail_text(str(exc))}",
            hint="configure credentials (AWS_PROFILE, --profile, environment variables) "
            "or point --endpoint-url at the local AWS started by `sgc local up`",
        )
    if isinstance(exc, NoRegionError):
        return ConfigError(
            f"{operation}{where}: {detail_text(str(exc))}", hint="pass --regions or set AWS_REGION"
        )
    return AwsApiError(
        f"{operation}{where}: {type(exc).__name__}: {detail_text(str(exc))}",
        operation=operation,
        aws_code=type(exc).__name__,
    )


def aws_answer(
    response: Mapping[str, Any], operation: str, *, scope: str = ""
) -> Mapping[str, Any]:
    """`response`, when it is an answer of AWS: every AWS answer carries a request id. An
    endpoint that answers HTTP 200 with an HTML page parses as an empty result (no groups, no
    rules), which would pass a whole region; it is AwsUnavailableError instead.

    A response without `ResponseMetadata` (botocore's Stubber in tests) is not judged."""
    meta = response.get("ResponseMetadata")
    if not isinstance(meta, Mapping) or "HTTPStatusCode" not in meta:
        return response
    headers = meta.get("HTTPHeaders") or {}
    request_id = meta.get("RequestId") or any(
        key.lower() in ("x-amzn-requestid", "x-amz-request-id") for key in headers
    )
    if request_id:
        return response
    where = f" in {scope}" if scope else ""
    kind = _body_kind(str(headers.get("content-type", "")))
    raise AwsUnavailableError(
        f"{operation}{where}: the endpoint's answer is {NOT_AWS} "
        f"(HTTP {meta['HTTPStatusCode']}, {kind}, no request id)",
        operation=operation,
        aws_code="InvalidResponse",
    )


def detail_text(text: str, limit: int = DETAIL_LIMIT) -> str:
    """An endpoint's text for a message: one line without control characters, an HTML page
    named rather than quoted, at most `limit` characters."""
    if _is_html(text):
        return f"an HTML page, {NOT_AWS}"
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _is_html(text: str) -> bool:
    head = text.lstrip()[:512].lower()
    return head.startswith(("<!doctype html", "<html", "b'<!doctype html", "b'<html")) or any(
        tag in head for tag in ("<html", "<head>", "<body", "<title>")
    )


def _body_kind(content_type: str) -> str:
    if "html" in content_type.lower():
        return "an HTML page"
    return f"content type {detail_text(content_type, 60)}" if content_type else "no content type"


def _from_the_sdk(exc: BaseException) -> bool:
    """Raised by the SDK while making a call or reading its answer, not by the caller's code
    (nor by a hook of the caller's that the SDK ran): the innermost frame outside the standard
    library is the SDK's (urllib.parse raising for botocore is botocore's failure)."""
    if type(exc).__module__.split(".")[0] in _SDK_PACKAGES:
        return True
    for filename in reversed(_frames(exc)):
        if filename.startswith(_SDK_DIRS):
            return True
        if not filename.startswith(_STDLIB_DIRS) or "-packages" in filename:
            return False
    return False


def _frames(exc: BaseException) -> list[str]:
    """The files of the traceback's frames, outermost first."""
    files: list[str] = []
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        files.append(str(Path(tb.tb_frame.f_code.co_filename).resolve()))
        tb = tb.tb_next
    return files


def _sdk_failure(exc: Exception, operation: str, scope: str) -> SgcError:
    """What an SDK exception that is not botocore's own means: an answer that cannot be read,
    an endpoint that went away, or a call the SDK could not make."""
    where = f" in {scope}" if scope else ""
    parsing = any(f.endswith(_PARSERS) for f in _frames(exc))
    if type(exc).__name__ == "ResponseParserError":  # botocore.parsers: costly to import
        body = str(exc).partition(":\n")[2]
        kind = "an HTML page" if _is_html(body) else "not XML or JSON"
    elif isinstance(exc, UnicodeError):
        kind = "not text"
    elif parsing:
        kind = f"{type(exc).__name__} while reading it"
    else:
        detail = f"{type(exc).__name__}: {detail_text(str(exc))}"
        if type(exc).__module__.startswith("urllib3") or isinstance(exc, OSError):
            return AwsUnavailableError(
                f"{operation}{where}: the endpoint did not answer: {detail}",
                operation=operation,
                aws_code="EndpointUnavailable",
            )
        err = AwsApiError(
            f"{operation}{where}: the AWS SDK could not make the call: {detail}",
            operation=operation,
            aws_code=type(exc).__name__,
        )
        err.hint = "check --endpoint-url (scheme, host and port), the region and the AWS settings"
        return err
    return AwsUnavailableError(
        f"{operation}{where}: the endpoint's answer is {NOT_AWS} ({kind})",
        operation=operation,
        aws_code="InvalidResponse",
    )


def _client_error(exc: ClientError, operation: str, where: str) -> AwsApiError:
    response: Mapping[str, Any] = exc.response or {}
    error: Mapping[str, Any] = response.get("Error") or {}
    meta: Mapping[str, Any] = response.get("ResponseMetadata") or {}
    code = str(error.get("Code") or "Unknown")
    detail = detail_text(str(error.get("Message") or "").strip())
    request_id = detail_text(str(meta.get("RequestId") or ""), 80)
    status = meta.get("HTTPStatusCode")
    message = f"{operation}{where} failed: {detail_text(code, 80)}"
    if not error and status:
        # No AWS error document at all: say what the endpoint did answer.
        message = f"{operation}{where} failed: HTTP {status}, {NOT_AWS}"
    elif detail:
        message += f": {detail}"
    notes = []
    attempts = meta.get("RetryAttempts")
    if isinstance(attempts, int) and attempts > 0:
        notes.append(f"after {attempts + 1} attempts")
    if request_id:
        notes.append(f"request id {request_id}")
    if notes:
        message += f" ({'; '.join(notes)})"
    cls: type[AwsApiError]
    if code in ACCESS_DENIED_CODES or code in BAD_CREDENTIAL_CODES:
        cls = AccessDeniedError
    elif code in THROTTLING_CODES:
        cls = ThrottledError
    elif code in NOT_FOUND_CODES or code.endswith(".NotFound"):
        cls = NotFoundError
    else:
        cls = AwsApiError
    err = cls(message, operation=operation, aws_code=code, lost_answers=lost_answers(response))
    if code in BAD_CREDENTIAL_CODES:
        err.hint = "the credentials are invalid or expired: refresh them (e.g. `aws sso login`)"
    elif not error or _is_html(str(error.get("Message") or "")):
        err.hint = NOT_AWS_HINT
    return err

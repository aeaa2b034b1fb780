"""Whatever an endpoint answers, an AWS call fails with one line of bounded length: an HTML
page, garbage, a truncated body or an SDK exception that is not botocore's never reaches the
user as a traceback or as the page itself."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError
from botocore.parsers import ResponseParserError, create_parser

from sgcompliance.adapters.aws.errors import DETAIL_LIMIT, aws_answer, translating
from sgcompliance.errors import AwsApiError, AwsUnavailableError, SgcError, ThrottledError

SCOPE = "111111111111/xx-west-9"
HTML = (
    "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error</p>\n"
)


def raised_by(exc: BaseException, operation: str = "DescribeSecurityGroups") -> SgcError:
    with pytest.raises(SgcError) as info, translating(operation, scope=SCOPE):
        raise exc
    return info.value


def assert_one_clean_line(err: SgcError) -> None:
    text = str(err)
    assert "\n" not in text
    assert "<" not in text
    assert len(text) <= DETAIL_LIMIT + 120


def parse_error(operation: str, service: str, protocol: str, body: bytes) -> BaseException:
    """What botocore's own parser raises for this body (raised inside botocore's code)."""
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).output_shape
    response = {"body": body, "headers": {"content-type": "text/html"}, "status_code": 200}
    try:
        create_parser(protocol).parse(response, shape)
    except Exception as exc:
        return exc
    raise AssertionError("botocore parsed it")


def test_an_html_error_page_becomes_one_line_naming_the_scope() -> None:
    # GIVEN the parser error botocore raises for an HTML 500 page (what moto answers for a
    # region it does not know)
    exc = ResponseParserError(
        "Unable to parse response (syntax error: line 1, column 0), invalid XML received. "
        f"Further retries may succeed:\nb{HTML!r}"
    )
    # WHEN translated  THEN it is one line naming the operation, the scope and what came back
    err = raised_by(exc)
    assert isinstance(err, AwsUnavailableError)
    assert str(err) == (
        f"DescribeSecurityGroups in {SCOPE}: the endpoint's answer is not an AWS response "
        "(an HTML page)"
    )
    assert_one_clean_line(err)


def test_garbage_that_is_not_xml_is_named_without_quoting_it() -> None:
    exc = ResponseParserError(
        "Unable to parse response (not well-formed (invalid token): line 1, column 0), invalid "
        "XML received. Further retries may succeed:\nb'\\xff\\xfe\\x00garbage'"
    )
    err = raised_by(exc)
    assert "garbage" not in str(err)
    assert "not XML or JSON" in str(err)


def test_a_key_error_inside_the_parser_is_an_unreadable_answer() -> None:
    # GIVEN an HTML page where STS expected its XML: botocore raises a bare KeyError
    exc = parse_error("GetCallerIdentity", "sts", "query", b"<html>hi</html>")
    assert isinstance(exc, KeyError)
    err = raised_by(exc, "GetCallerIdentity")
    assert isinstance(err, AwsUnavailableError)
    assert "not an AWS response (KeyError while reading it)" in str(err)


def test_a_body_that_is_not_text_is_an_unreadable_answer() -> None:
    exc = parse_error("ListAccounts", "organizations", "json", b"\xff\xfe\x00garbage")
    assert isinstance(exc, UnicodeDecodeError)
    err = raised_by(exc, "ListAccounts")
    assert isinstance(err, AwsUnavailableError)
    assert str(err).endswith("is not an AWS response (not text)")


def test_an_exception_of_urllib3_is_translated() -> None:
    urllib3 = pytest.importorskip("urllib3")
    err = raised_by(urllib3.exceptions.ProtocolError("Connection aborted."))
    assert isinstance(err, AwsUnavailableError)


def test_the_callers_own_exceptions_still_pass_through() -> None:
    with pytest.raises(UnicodeDecodeError), translating("X"):
        b"\xff".decode("utf-8")


def test_an_error_whose_message_is_an_html_page_does_not_quote_it() -> None:
    # GIVEN a JSON-protocol service (Organizations, SSM) behind a web server answering 404
    exc = ClientError(
        {"Error": {"Code": "404", "Message": HTML}, "ResponseMetadata": {"HTTPStatusCode": 404}},
        "ListAccounts",
    )
    err = raised_by(exc, "ListAccounts")
    assert str(err) == (f"ListAccounts in {SCOPE} failed: 404: an HTML page, not an AWS response")
    assert err.aws_code == "404"


def test_an_error_without_an_aws_error_document_names_the_http_status() -> None:
    # GIVEN what botocore makes of EC2 answering an HTML 404: no Error at all
    exc = ClientError({"ResponseMetadata": {"HTTPStatusCode": 404}}, "DescribeSecurityGroups")
    err = raised_by(exc)
    assert str(err) == (f"DescribeSecurityGroups in {SCOPE} failed: HTTP 404, not an AWS response")


def test_throttling_after_retries_says_how_many_attempts() -> None:
    exc = ClientError(
        {
            "Error": {"Code": "Throttling", "Message": "Rate exceeded"},
            "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": 400, "RetryAttempts": 9},
        },
        "DescribeSecurityGroups",
    )
    err = raised_by(exc)
    assert isinstance(err, ThrottledError)
    assert str(err) == (
        f"DescribeSecurityGroups in {SCOPE} failed: Throttling: Rate exceeded "
        "(after 10 attempts; request id r-1)"
    )
    # (answered every time: no attempt's answer was lost)
    assert err.lost_answers == 0


def test_an_error_after_lost_answers_carries_how_many() -> None:
    exc = ClientError(
        {
            "Error": {"Code": "InvalidPermission.NotFound"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RetryAttempts": 2, "LostAnswers": 1},
        },
        "RevokeSecurityGroupIngress",
    )
    assert raised_by(exc).lost_answers == 1


def test_a_long_multi_line_aws_message_is_one_bounded_line() -> None:
    message = "first line\nsecond\tline\x1b[31m " + "x" * 5000
    exc = ClientError({"Error": {"Code": "InvalidParameterValue", "Message": message}}, "X")
    err = raised_by(exc)
    assert_one_clean_line(err)
    assert "\x1b" not in str(err)
    assert str(err).endswith("...")


def test_parameter_validation_is_one_line() -> None:
    report = "Invalid length for parameter RoleSessionName, value: 1, valid min length: 2"
    err = raised_by(ParamValidationError(report=report + "\n" + report))
    assert isinstance(err, AwsApiError)
    assert_one_clean_line(err)


def test_an_unknown_region_endpoint_is_one_line() -> None:
    exc = EndpointConnectionError(endpoint_url="https://ec2.xx-west-9.amazonaws.com/")
    err = raised_by(exc)
    assert str(err) == (
        f"DescribeSecurityGroups in {SCOPE}: the endpoint did not answer: Could not connect to "
        'the endpoint URL: "https://ec2.xx-west-9.amazonaws.com/"'
    )


def answer(headers: dict[str, str], **meta: Any) -> dict[str, Any]:
    return {"SecurityGroups": [], "ResponseMetadata": {"HTTPStatusCode": 200,
                                                      "HTTPHeaders": headers, **meta}}  # fmt: skip


def test_an_html_page_answered_with_http_200_is_not_read_as_an_empty_region() -> None:
    # GIVEN what botocore makes of `<html>...</html>` answered with HTTP 200: an empty result
    response = answer({"content-type": "text/html"})
    with pytest.raises(AwsUnavailableError) as info:
        aws_answer(response, "DescribeSecurityGroups", scope=SCOPE)
    assert str(info.value) == (
        f"DescribeSecurityGroups in {SCOPE}: the endpoint's answer is not an AWS response "
        "(HTTP 200, an HTML page, no request id)"
    )


def test_an_aws_answer_carries_a_request_id() -> None:
    with_id = answer({"content-type": "text/xml"}, RequestId="r-1")
    with_header = answer({"x-amzn-requestid": "r-2"})
    stubbed = {"SecurityGroups": []}  # botocore's Stubber adds no metadata
    for response in (with_id, with_header, stubbed):
        assert aws_answer(response, "DescribeSecurityGroups") is response


def test_an_answer_that_is_not_aws_has_a_hint_saying_so() -> None:
    exc = ClientError({"ResponseMetadata": {"HTTPStatusCode": 404}}, "GetCallerIdentity")
    assert "--endpoint-url" in raised_by(exc, "GetCallerIdentity").hint


def sts(endpoint: str) -> Any:
    session = boto3.Session(aws_access_key_id="u", aws_secret_access_key="u")
    return session.client("sts", endpoint_url=endpoint, region_name="us-east-1")


def test_a_call_the_sdk_cannot_make_is_one_line_naming_the_endpoint_as_the_suspect() -> None:
    # GIVEN an endpoint URL whose port is out of range: urllib raises inside botocore's signer
    with pytest.raises(AwsApiError) as info, translating("GetCallerIdentity"):
        sts("http://127.0.0.1:99999").get_caller_identity()
    assert str(info.value) == (
        "GetCallerIdentity: the AWS SDK could not make the call: ValueError: Port out of range "
        "0-65535"
    )
    assert "--endpoint-url" in info.value.hint


def test_an_exception_of_the_callers_own_hook_run_by_the_sdk_passes_through() -> None:
    client = sts("http://127.0.0.1:9")

    def hook(**_: Any) -> None:
        raise KeyError("ours")

    client.meta.events.register("before-call.sts.GetCallerIdentity", hook)
    with pytest.raises(KeyError, match="ours"), translating("GetCallerIdentity"):
        client.get_caller_identity()

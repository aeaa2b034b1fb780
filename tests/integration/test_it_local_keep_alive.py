"""The local AWS keeps its connections open between requests, as AWS's endpoints do, and never
reads one request's leftover body as the next request."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory

pytestmark = pytest.mark.integration

EC2_QUERY = "Action=DescribeSecurityGroups&Version=2016-11-15"
HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=keepalive/20260101/us-east-1/ec2/aws4_request, "
        "SignedHeaders=host, Signature=0"
    ),
}


def connect(endpoint: str) -> http.client.HTTPConnection:
    where = urlsplit(endpoint)
    return http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)


def ask(conn: http.client.HTTPConnection, body: str = EC2_QUERY) -> http.client.HTTPResponse:
    conn.request("POST", "/", body=body, headers=HEADERS)
    answer = conn.getresponse()
    answer.read()
    return answer


def test_requests_one_after_another_share_one_connection(endpoint: str) -> None:
    conn = connect(endpoint)
    first = ask(conn)
    sock = conn.sock
    # WHEN two more requests go out after the first answer
    answers = [ask(conn), ask(conn)]
    # THEN each is answered on the connection the first one opened
    assert [a.status for a in (first, *answers)] == [200, 200, 200]
    assert first.getheader("Connection") is None
    assert sock is not None
    assert conn.sock is sock
    conn.close()


def test_a_body_the_application_leaves_unread_is_not_taken_for_the_next_request(
    endpoint: str,
) -> None:
    # GIVEN a GET with a body no handler reads (moto's S3 listing of buckets)
    conn = connect(endpoint)
    filler = "X" * 5000
    conn.request("GET", "/", body=filler, headers={**HEADERS, "Host": "s3.amazonaws.com"})
    conn.getresponse().read()
    # WHEN the next request follows on the same connection
    answer = ask(conn)
    # THEN it is answered as itself, not as the rest of the first one's body
    assert answer.status == 200
    conn.close()


def test_a_body_sent_in_chunks_closes_the_connection_after_its_answer(endpoint: str) -> None:
    conn = connect(endpoint)
    conn.request("POST", "/", body=iter([EC2_QUERY.encode()]), headers=HEADERS,
                 encode_chunked=True)  # fmt: skip
    answer = conn.getresponse()
    answer.read()
    # THEN its length unknown up front, the connection is not kept (as werkzeug does)
    assert answer.getheader("Connection") == "close"
    conn.close()


def test_answers_with_and_without_bodies_keep_their_framing(endpoint: str) -> None:
    # GIVEN one S3 client that never waits long and never tries again
    factory = ClientFactory(
        AwsSettings(endpoint_url=endpoint, max_attempts=1, read_timeout=5), environ={}
    )
    s3 = factory.client("s3", "us-east-1")
    # WHEN it makes calls whose answers have a body, none (HEAD, 204) or one sent in chunks
    s3.create_bucket(Bucket="keep-alive-framing")
    s3.put_object(Bucket="keep-alive-framing", Key="k", Body=b"x" * 70_000)
    head = s3.head_object(Bucket="keep-alive-framing", Key="k")
    body = s3.get_object(Bucket="keep-alive-framing", Key="k")["Body"].read()
    s3.delete_object(Bucket="keep-alive-framing", Key="k")
    listed = s3.list_objects_v2(Bucket="keep-alive-framing")
    # THEN each is answered in time on the connections kept between them
    assert head["ContentLength"] == len(body) == 70_000
    assert listed["KeyCount"] == 0

"""The policy document as an S3 object (SSE-KMS), fetched only when its ETag changed.

Only an answer of S3 is read (`errors.aws_answer`): a proxy's HTML page answered with HTTP 200
is refused, never taken for the policy document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import aws_answer, translating
from sgcompliance.errors import AwsApiError, InputError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# S3 answers a GetObject whose If-None-Match still matches with 304 Not Modified.
NOT_MODIFIED_CODES = frozenset({"304", "NotModified"})
MAX_POLICY_BYTES = 5 * 1024 * 1024


class S3PolicyObject:
    """The `PolicySource` port: a conditional GetObject (If-None-Match) on one object."""

    def __init__(self, client: S3Client, bucket: str, key: str) -> None:
        self.client = client
        self.bucket = bucket
        self.key = key

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def fetch(self, if_none_match: str | None) -> tuple[str | None, str]:
        """(text, ETag), or (None, the same ETag) when the object has not changed."""
        try:
            with translating("GetObject", scope=self.uri):
                if if_none_match:
                    response = self.client.get_object(
                        Bucket=self.bucket, Key=self.key, IfNoneMatch=if_none_match
                    )
                else:
                    response = self.client.get_object(Bucket=self.bucket, Key=self.key)
                # Read (bounded) before judged, so that a refused answer leaves no half-read
                # connection behind.
                body = response["Body"].read(MAX_POLICY_BYTES + 1)
                aws_answer(response, "GetObject", scope=self.uri)
        except AwsApiError as exc:
            if if_none_match and exc.aws_code in NOT_MODIFIED_CODES:
                return None, if_none_match
            raise
        if len(body) > MAX_POLICY_BYTES:
            raise InputError("the policy document is larger than 5 MiB", source=self.uri)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("the policy document is not UTF-8 text", source=self.uri) from exc
        return text, response.get("ETag", "")

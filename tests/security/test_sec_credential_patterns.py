"""The credential detector the suite-wide scan uses: it flags secrets and session tokens,
and passes the identifiers the suite prints all the time."""

from __future__ import annotations

import pytest

from support.credential_patterns import leaks

# Shaped like real credentials, made up for these tests.
KEY_ID = "AKIA" + "Q3EXAMPLE7NN4X2Z"
SECRET = "kT9v" + "Xq2Lm8/Rz5Wb+Yc3Pd7Hf1Jg6Ns0Ue4Ao2Ki"  # 40 characters
TOKEN = "FQoGZXIvYXdzE" + "BYaDHsgcExampleSessionTokenBody0123456789+/abc"


@pytest.mark.parametrize(
    "text",
    [
        f"credentials {KEY_ID} {SECRET}",
        f'{{"AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET}"}}',
        f"aws_secret_access_key = {SECRET}",
        f"AWS_SESSION_TOKEN={TOKEN}",
        f"X-Amz-Security-Token: {TOKEN}",
    ],
)
def test_a_secret_or_a_session_token_is_flagged(text: str) -> None:
    assert leaks(text)


@pytest.mark.parametrize(
    "text",
    [
        "account 111111111111 in eu-west-1",
        f"accessKeyId {KEY_ID} alone, as CloudTrail records it",
        f"{KEY_ID} next to a digest " + "ab12" * 10,
        "AWS_SECRET_ACCESS_KEY=testing",
        "sha256 " + "0f" * 32,
        "sgr-01a2b3c4d5e6f7081 sg-0a1b2c3d4e5f60718 arn:aws:iam::111111111111:role/x",
    ],
)
def test_identifiers_and_placeholders_are_not_flagged(text: str) -> None:
    assert leaks(text) == []


def test_a_flagged_secret_is_masked_in_the_finding() -> None:
    (finding,) = leaks(f"aws_secret_access_key={SECRET}")
    assert SECRET not in finding

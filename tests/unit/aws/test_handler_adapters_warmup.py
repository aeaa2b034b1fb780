"""The handler's adapters ready a member account ahead of its first use: a failure there is
logged and left for that use, which meets it again and reports it; nothing is lost."""

from __future__ import annotations

import pytest

from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.config.runtime import MemberReach
from sgcompliance.entrypoints.bootstrap import HandlerAdapters
from sgcompliance.errors import SgcError

HUB, MEMBER = "999999999999", "111111111111"
NOWHERE = "http://127.0.0.1:9"  # nothing listens: every call fails at once


def adapters() -> HandlerAdapters:
    factory = ClientFactory(AwsSettings(endpoint_url=NOWHERE, max_attempts=1), environ={})
    return HandlerAdapters(factory, HUB, {})


def reach() -> MemberReach:
    return MemberReach((MEMBER,), ("eu-west-1",), "sgcompliance-member", external_id="ext-1")


def test_a_member_that_cannot_be_readied_is_logged_and_left_for_its_first_use(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN STS cannot be reached
    handler_adapters = adapters()
    # WHEN the member is readied  THEN nothing raises; the log says which member and why
    caplog.set_level("INFO")
    handler_adapters.warm_member(reach(), MEMBER, "eu-west-1")
    assert f"member {MEMBER}/eu-west-1 not readied" in caplog.text
    assert "AssumeRole" in caplog.text
    # AND its first use meets the failure again, as its own error
    access = handler_adapters._member_access("sgcompliance-member", "ext-1")
    with pytest.raises(SgcError, match="AssumeRole"):
        access.group(MEMBER, "eu-west-1", "sg-0123456789abcdef0")


def test_the_hubs_own_account_is_readied_without_assuming_a_role(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN the hub's own account (read with the function's credentials), and no endpoint
    handler_adapters = adapters()
    caplog.set_level("INFO")
    # WHEN it is readied  THEN only its EC2 client is built: no call was made (none could be)
    handler_adapters.warm_member(reach(), HUB, "eu-west-1")
    assert "not readied" not in caplog.text
    access = handler_adapters._member_access("sgcompliance-member", "ext-1")
    assert access.runtime.clients.credentials(HUB) is None

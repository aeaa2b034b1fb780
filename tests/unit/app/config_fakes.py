"""A ConfigManager over the fakes of its ports (`sgcompliance.testing`): a valid hub configuration
in SSM parameters and a team policy in S3."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sgcompliance.config.manager import ConfigManager
from sgcompliance.testing import FakeClock, FakeDirectory, FakeParameters, FakePolicyObject

PATH = "/sgcompliance"
HOME = "999999999999"
MEMBER = "111111111111"
POLICY_URI = "s3://sgc-policies/policy.json"
OTHER_POLICY = json.dumps({"version": "1", "id": "other", "extends": "builtin:cis-aws"})


def base_parameters(**values: str) -> FakeParameters:
    """A valid hub configuration: flag_only over two accounts, policy in S3, an ExternalId."""
    defaults = {
        "accounts": f"{MEMBER},222222222222",
        "external_id": "ext-0123456789",
        "policy": POLICY_URI,
    }
    return FakeParameters({f"{PATH}/{k}": v for k, v in {**defaults, **values}.items()})


def manager(
    parameters: FakeParameters | None = None,
    policy: FakePolicyObject | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: FakeClock | None = None,
    directory: FakeDirectory | None = None,
    local: bool = False,
) -> ConfigManager:
    return ConfigManager(
        parameters if parameters is not None else base_parameters(),
        (policy or FakePolicyObject()).source,
        directory,
        environ=environ or {},
        clock=clock or FakeClock(),
        local=local,
        home_account=HOME,
    )

"""Raw describe-security-groups / describe-security-group-rules documents for reader tests."""

from __future__ import annotations

from typing import Any

import pytest
from estate_builder import ACCOUNT, REGION

from sgcompliance.errors import InputError
from sgcompliance.sources.snapshot import read_snapshots

Doc = dict[str, Any]


def rule_row(rule_id: str = "sgr-1", **fields: Any) -> Doc:
    row: Doc = {
        "SecurityGroupRuleId": rule_id,
        "GroupId": "sg-1",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "CidrIpv4": "0.0.0.0/0",
    }
    row.update(fields)
    return {k: v for k, v in row.items() if v is not None}


def rules_doc(*rows: Doc, **extra: Any) -> Doc:
    return {
        "account_id": ACCOUNT,
        "region": REGION,
        "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web"}],
        "SecurityGroupRules": list(rows),
        **extra,
    }


def groups_doc(*groups: Doc, **extra: Any) -> Doc:
    return {"account_id": ACCOUNT, "region": REGION, "SecurityGroups": list(groups), **extra}


def read_error(doc: Any) -> InputError:
    with pytest.raises(InputError) as info:
        read_snapshots(doc)
    return info.value


def permission(**fields: Any) -> Doc:
    """One IpPermission on tcp 22; peers and overrides come from `fields`."""
    return {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, **fields}

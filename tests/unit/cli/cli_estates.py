"""Raw snapshot and policy documents for driving `sgc` as a user would, through files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGION = "eu-west-1"
WEB = "sg-0a1b2c3d4e5f60718"
DB = "sg-0f1e2d3c4b5a69788"


def rule_row(
    rule_id: str, group_id: str, port: int, cidr: str, description: str = "documented"
) -> dict[str, Any]:
    peer = {"CidrIpv6": cidr} if ":" in cidr else {"CidrIpv4": cidr}
    return {
        "SecurityGroupRuleId": rule_id,
        "GroupId": group_id,
        "GroupOwnerId": ACCOUNT,
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        **peer,
        "Description": description,
    }


def group_row(group_id: str, name: str, tags: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "GroupId": group_id,
        "GroupName": name,
        "Description": name,
        "OwnerId": ACCOUNT,
        "VpcId": "vpc-0123456789abcdef0",
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }


def snapshot(groups: list[dict[str, Any]], rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "account_id": ACCOUNT,
        "region": REGION,
        "SecurityGroups": groups,
        "SecurityGroupRules": rules,
    }


def small_estate() -> list[dict[str, Any]]:
    """A web group with SSH open to the world (and 443, allowed) and a private db group."""
    return [
        snapshot(
            [group_row(WEB, "web"), group_row(DB, "db")],
            [
                rule_row("sgr-0000000000000aaa1", WEB, 22, "0.0.0.0/0", "ssh for on-call"),
                rule_row("sgr-0000000000000aaa2", WEB, 443, "0.0.0.0/0", "https"),
                rule_row("sgr-0000000000000bbb1", DB, 5432, "10.0.0.0/8", "postgres"),
            ],
        )
    ]


def compliant_estate() -> list[dict[str, Any]]:
    return [
        snapshot(
            [group_row(WEB, "web")],
            [rule_row("sgr-0000000000000aaa2", WEB, 443, "0.0.0.0/0", "https")],
        )
    ]


def ssh_policy(**extra: Any) -> dict[str, Any]:
    """One check, SSH from the world: small enough that a golden report stays readable."""
    check = {
        "id": "SSH-WORLD",
        "type": "restricted_ports",
        "title": "No SSH from the world",
        "severity": "critical",
        "remediation": "remove",
        "ports": [{"protocols": ["tcp"], "ports": "22"}],
    }
    return {"version": "1", "id": "ssh-only", "checks": [check], **extra}


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path

"""Snapshot documents (built with `support.estate`) and policy documents for driving `sgc` as a
user would, through files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sgcompliance.engine.model import Rule, SecurityGroup
from support.estate import document, group, rule, snapshot

ACCOUNT = "123456789012"
REGION = "eu-west-1"
WEB = "sg-0a1b2c3d4e5f60718"
DB = "sg-0f1e2d3c4b5a69788"
VPC = "vpc-0123456789abcdef0"


def _group(group_id: str, name: str, *rules: Rule) -> SecurityGroup:
    return group(
        *rules, group_id=group_id, name=name, account=ACCOUNT, region=REGION, vpc_id=VPC,
        description=name,
    )  # fmt: skip


def _estate(*groups: SecurityGroup) -> list[dict[str, Any]]:
    return [document(snapshot(*groups, account=ACCOUNT, region=REGION))]


def small_estate() -> list[dict[str, Any]]:
    """A web group with SSH open to the world (and 443, allowed) and a private db group."""
    ssh = rule("sgr-0000000000000aaa1", "0.0.0.0/0", ports=22, description="ssh for on-call")
    https = rule("sgr-0000000000000aaa2", "0.0.0.0/0", ports=443, description="https")
    postgres = rule("sgr-0000000000000bbb1", "10.0.0.0/8", ports=5432, description="postgres")
    return _estate(_group(WEB, "web", ssh, https), _group(DB, "db", postgres))


def compliant_estate() -> list[dict[str, Any]]:
    https = rule("sgr-0000000000000aaa2", "0.0.0.0/0", ports=443, description="https")
    return _estate(_group(WEB, "web", https))


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

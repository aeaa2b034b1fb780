"""Reading describe-network-interfaces rows into each group's attachment."""

from __future__ import annotations

import pytest
from snapshot_documents import Doc, groups_doc, rules_doc

from sgcompliance.engine.model import Attachment
from sgcompliance.sources.snapshot import read_snapshot


def attachment_of(*enis: Doc, group_id: str = "sg-1") -> Attachment:
    doc = groups_doc({"GroupId": "sg-1"}, {"GroupId": "sg-2"}, NetworkInterfaces=list(enis))
    return {g.group_id: g.attachment for g in read_snapshot(doc).groups}[group_id]


def eni(*group_ids: str, public_ip: str | None = None, ipv6: bool = False) -> Doc:
    out: Doc = {"Groups": [{"GroupId": g} for g in group_ids]}
    if public_ip:
        out["Association"] = {"PublicIp": public_ip}
    if ipv6:
        out["Ipv6Addresses"] = [{"Ipv6Address": "2600:1f18::1"}]
    return out


def test_group_on_an_interface_with_a_public_ip_is_exposed() -> None:
    assert attachment_of(eni("sg-1", public_ip="52.1.2.3")) is Attachment.EXPOSED


def test_group_on_an_interface_with_an_ipv6_address_is_exposed() -> None:
    assert attachment_of(eni("sg-1", ipv6=True)) is Attachment.EXPOSED


def test_group_on_private_interfaces_only_is_attached() -> None:
    assert attachment_of(eni("sg-1"), eni("sg-1", "sg-2")) is Attachment.ATTACHED


def test_group_on_no_interface_is_unattached() -> None:
    assert attachment_of(eni("sg-2")) is Attachment.UNATTACHED


@pytest.mark.parametrize("public_first", [True, False])
def test_one_public_interface_makes_the_group_exposed_whatever_the_order(
    public_first: bool,
) -> None:
    enis = [eni("sg-1", public_ip="52.1.2.3"), eni("sg-1")]
    assert attachment_of(*(enis if public_first else enis[::-1])) is Attachment.EXPOSED


def test_without_interfaces_in_the_snapshot_attachment_is_unknown() -> None:
    assert read_snapshot(rules_doc()).groups[0].attachment is Attachment.UNKNOWN

"""What the demo organization contains: a realistic mix of security groups, as data.

Peers are written as `kind:value`:
  `cidr:0.0.0.0/0`, `cidr:::/0`  an IPv4 or IPv6 range
  `pl:open` / `pl:corp`          one of the demo's managed prefix lists (see PREFIX_LISTS)
  `sg:app-tier`                  another demo group of the same account and region
  `self`                         the group itself
  `peer:sibling` / `peer:vendor` a group of another organization account / an outside account
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEMO_REGIONS = ("us-east-1", "eu-west-1")
# (account name, e-mail) of the three member accounts Organizations creates.
DEMO_ACCOUNTS = (
    ("demo-prod", "demo-prod@example.com"),
    ("demo-dev", "demo-dev@example.com"),
    ("demo-shared-services", "demo-shared@example.com"),
)
DEMO_ROLE_NAME = "sgcompliance-member"
DEMO_EXTERNAL_ID = "sgc-local-demo"
BOOTSTRAP_ROLE = "OrganizationAccountAccessRole"
# An account outside the organization (a vendor), referenced by one group.
VENDOR_ACCOUNT = "999999999999"
# The bastion's tag points to the demo policy's exemption by its id: a pointer, never a grant.
EXEMPTION_ID = "EX-DEMO-001"
EXEMPTION_TAG = ("sgc-exemption", EXEMPTION_ID)

# name -> (description, entries); "open" holds the world, "corp" only private ranges.
PREFIX_LISTS = {
    "open": ("legacy admin sources (includes the world)", ("0.0.0.0/0", "10.0.0.0/8")),
    "corp": ("corporate networks", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
}


class Attach(StrEnum):
    NONE = "none"  # no interface: an orphaned group
    PRIVATE = "private"  # an interface with private addresses only
    PUBLIC = "public"  # an interface with an Elastic IP


@dataclass(frozen=True, slots=True)
class Perm:
    protocol: str
    ports: tuple[int, int] | None
    peers: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class GroupSpec:
    name: str
    description: str
    ingress: tuple[Perm, ...]
    attach: Attach = Attach.NONE
    tags: tuple[tuple[str, str], ...] = ()
    # Account names (from DEMO_ACCOUNTS) and regions the group exists in; empty means all.
    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    def placed_in(self, account_name: str, region: str) -> bool:
        return (not self.accounts or account_name in self.accounts) and (
            not self.regions or region in self.regions
        )


WORLD = ("cidr:0.0.0.0/0", "cidr:::/0")

GROUPS = (
    GroupSpec(
        "web-frontend",
        "public HTTPS entry point",
        (Perm("tcp", (443, 443), WORLD, "https"), Perm("tcp", (80, 80), ("cidr:0.0.0.0/0",))),
        Attach.PUBLIC,
        (("team", "web"),),
    ),
    GroupSpec(
        "bastion-ssh",
        "ops SSH access",
        (Perm("tcp", (22, 22), ("cidr:10.0.0.0/8", "cidr:0.0.0.0/0"), "ops access"),),
        Attach.PUBLIC,
        (("team", "ops"),),
    ),
    GroupSpec("rdp-ipv6", "windows jump host", (Perm("tcp", (3389, 3389), ("cidr:::/0",)),)),
    GroupSpec(
        "app-tier",
        "application servers",
        (Perm("tcp", (8080, 8080), ("sg:web-frontend",), "from the web tier"),),
        Attach.PRIVATE,
    ),
    GroupSpec(
        "db-private",
        "postgres",
        (Perm("tcp", (5432, 5432), ("cidr:10.20.0.0/16", "sg:app-tier")),),
        Attach.PRIVATE,
        (("team", "data"),),
    ),
    GroupSpec(
        "legacy-ephemeral",
        "old batch hosts",
        (Perm("tcp", (1024, 65535), ("cidr:0.0.0.0/0",), "ephemeral range"),),
    ),
    GroupSpec(
        "admin-via-prefix-list",
        "admin ports from managed prefix lists",
        (Perm("tcp", (22, 22), ("pl:open",)), Perm("tcp", (443, 443), ("pl:corp",))),
        Attach.PRIVATE,
    ),
    GroupSpec(
        "cross-account-db",
        "database shared with other accounts",
        (
            Perm("tcp", (5432, 5432), ("peer:sibling",), "sibling account app"),
            Perm("tcp", (3306, 3306), ("peer:vendor",), "vendor reporting"),
        ),
        Attach.PRIVATE,
    ),
    GroupSpec(
        "bastion-exempt",
        "approved bastion, open by exception",
        (Perm("tcp", (22, 22), ("cidr:0.0.0.0/0",), "admins over SSH, by exception SEC-2001"),),
        Attach.PUBLIC,
        (EXEMPTION_TAG, ("owner", "platform-team")),
    ),
    GroupSpec(
        "all-traffic-split",
        "everything from two half-internet ranges",
        (Perm("-1", None, ("cidr:0.0.0.0/1", "cidr:128.0.0.0/1")),),
        accounts=frozenset({"demo-dev"}),
    ),
    GroupSpec(
        "partner-wide",
        "partner API over a wide public range",
        (Perm("tcp", (8443, 8443), ("cidr:52.0.0.0/8",)),),
        Attach.PUBLIC,
        accounts=frozenset({"demo-prod"}),
    ),
    GroupSpec(
        "vpn-gateway",
        "IPsec from anywhere",
        (
            Perm("50", None, ("cidr:0.0.0.0/0",), "ESP"),
            Perm("udp", (500, 500), ("cidr:0.0.0.0/0",), "IKE"),
            Perm("udp", (4500, 4500), ("cidr:0.0.0.0/0",), "NAT-T"),
            Perm("icmp", (8, -1), ("cidr:0.0.0.0/0",), "ping"),
        ),
        Attach.PUBLIC,
        accounts=frozenset({"demo-shared-services"}),
    ),
)

# Rules added to each default group: AWS gives every default group a self-referencing
# all-traffic rule (moto does not); one region of dev also opened SSH on it.
DEFAULT_GROUP_RULES = (Perm("-1", None, ("self",)),)
DEFAULT_GROUP_EXTRA = {("demo-dev", "us-east-1"): (Perm("tcp", (22, 22), ("cidr:0.0.0.0/0",)),)}

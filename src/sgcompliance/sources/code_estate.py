"""Security groups declared in infrastructure code (a Terraform plan, a CloudFormation template),
in the engine's normal form, with where each one is written and what cannot be known yet.

A reader of code turns each declared group into a `SecurityGroup` of one `RegionSnapshot`, so the
same engine, policy, checks and exemptions judge code and running accounts alike. What differs:

- a group's `group_id` is its address in the code (`module.web.aws_security_group.app` for
  Terraform, the logical id `AppSecurityGroup` for CloudFormation), so findings name the code;
- a rule's `rule_id` is the group's address plus where the rule is declared (the standalone rule
  resource's address, or the inline block's position), so two rules never share an id;
- a peer that is another group of the same code is a `GROUP` peer whose value is that group's
  address; a literal `sg-…` id stays as written;
- a value the code does not fix (Terraform's `after_unknown`, a CloudFormation value that needs a
  deployed stack) is never guessed: the rule (or the whole group) is left out of the snapshot and
  listed in `unresolved`, so it is reported as "cannot be judged before apply", never passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sgcompliance.engine.model import RegionSnapshot, Rule


class CodeKind(StrEnum):
    TERRAFORM_PLAN = "terraform-plan"
    CLOUDFORMATION = "cloudformation"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A line of a file, relative to the directory the user named (for SARIF's artifact URI)."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A group or rule whose value is known only once deployed.

    `address` is the group's address (as in `SecurityGroup.group_id`); `attribute` names what is
    unknown (`ingress[0].cidr_blocks`, `SecurityGroupIngress[1].CidrIp`); `reason` says why, in
    words a person reads on a pull request. `rule`, when given, is what is known of the rule
    (direction, protocol, ports; its peer's value reads `UNKNOWN_PEER`): the finding shows it, and
    its `rule_id` keeps two unknowns of one group apart. It is never judged.
    """

    address: str
    attribute: str
    reason: str
    location: SourceLocation | None = None
    rule: Rule | None = None


# The value a placeholder rule's peer shows for what the code does not fix yet.
UNKNOWN_PEER = "(known after apply)"


@dataclass(frozen=True, slots=True)
class CodeEstate:
    """What one plan or template declares: the groups to judge and what is left for apply time."""

    kind: CodeKind
    snapshot: RegionSnapshot
    # Group address (and, where known, rule id) -> where it is declared.
    locations: Mapping[str, SourceLocation] = field(default_factory=dict)
    unresolved: tuple[Unresolved, ...] = ()

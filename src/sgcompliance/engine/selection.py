"""What one run judges: the checks, severities and groups a user narrowed it to.

A `Selection` is applied once, here: it narrows the policy (checks not selected are disabled,
so they cost nothing and plan nothing), the snapshots (groups left out are not judged at all)
and the result (the engine's own findings, which no policy check produces, are kept only when
selected). `sgc scan`, `sgc remediate` and any other use case apply the same selection the same
way. Pure: no I/O, no clock, no environment.

Groups that AWS services create and manage (`--skip-aws-managed`), precisely:

1. a tag whose key starts with `aws:` (AWS reserves the prefix: no user can set such a tag),
   except `aws:cloudformation:*`, which CloudFormation puts on every group of a user's stack;
2. a tag that a service's controller sets: `elbv2.k8s.aws/cluster` (the AWS Load Balancer
   Controller of EKS) or `elasticbeanstalk:environment-id` (Elastic Beanstalk);
3. a name AND description both as a service writes them (see `MANAGED_SHAPES`): ELB's
   `default_elb_*`, EKS's `eks-cluster-sg-*`, Directory Service's `d-*_controllers`, EMR's
   `ElasticMapReduce-*`, RDS's `rds-launch-wizard*`.

Rule 1 cannot be forged; rules 2 and 3 can, by anyone allowed to create a group: a group made
to look like a service's is skipped too, which is why skipping is never the default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Attachment, RegionSnapshot, SecurityGroup
from sgcompliance.engine.policy import BUILTIN_CHECKS, Policy, Severity
from sgcompliance.errors import InputError

RESERVED_TAG_PREFIX = "aws:"
# CloudFormation tags the groups of users' stacks: those are the users' groups.
USER_STACK_TAG_PREFIX = "aws:cloudformation:"
CONTROLLER_TAGS = frozenset({"elbv2.k8s.aws/cluster", "elasticbeanstalk:environment-id"})


@dataclass(frozen=True, slots=True)
class ManagedShape:
    """A service's group as the service names and describes it."""

    service: str
    name: re.Pattern[str]
    description: re.Pattern[str]


MANAGED_SHAPES: tuple[ManagedShape, ...] = (
    ManagedShape(
        "Elastic Load Balancing",
        re.compile(r"default_elb_[0-9a-f-]+"),
        re.compile(r"ELB created security group"),
    ),
    ManagedShape(
        "Amazon EKS",
        re.compile(r"eks-cluster-sg-.+"),
        re.compile(r"EKS created security group"),
    ),
    ManagedShape(
        "AWS Directory Service",
        re.compile(r"d-[0-9a-f]{10}_controllers"),
        re.compile(r"AWS created security group for d-[0-9a-f]{10} directory controllers"),
    ),
    ManagedShape(
        "Amazon EMR",
        re.compile(r"ElasticMapReduce-(master|slave|ServiceAccess)(-private)?"),
        re.compile(r"(Master|Slave|Service access) group for Elastic MapReduce"),
    ),
    ManagedShape(
        "Amazon RDS",
        re.compile(r"rds-launch-wizard(-\d+)?"),
        re.compile(r"Created by RDS management console"),
    ),
)


def aws_managed_by(group: SecurityGroup) -> str | None:
    """The service that manages `group` by the rules above, or None for a user's group."""
    for key in group.tags:
        if key.startswith(RESERVED_TAG_PREFIX) and not key.startswith(USER_STACK_TAG_PREFIX):
            return f"tag {key}"
        if key in CONTROLLER_TAGS:
            return f"tag {key}"
    for shape in MANAGED_SHAPES:
        if shape.name.fullmatch(group.name) and shape.description.match(group.description):
            return shape.service
    return None


@dataclass(frozen=True, slots=True)
class Selection:
    """Empty sets mean everything: the default selection changes nothing."""

    checks: frozenset[str] = frozenset()
    excluded_checks: frozenset[str] = frozenset()
    severities: frozenset[Severity] = frozenset()
    attached_only: bool = False
    skip_aws_managed: bool = False

    @classmethod
    def of(
        cls,
        policy: Policy,
        *,
        checks: Iterable[str] = (),
        excluded_checks: Iterable[str] = (),
        severities: Iterable[str] = (),
        attached_only: bool = False,
        skip_aws_managed: bool = False,
    ) -> Selection:
        """The selection the user asked for, every check id known to `policy` (or the engine)
        and every severity a real one; InputError naming the first that is not."""
        known = {c.id for c in policy.checks} | BUILTIN_CHECKS
        chosen = _known_checks(split_values(checks), known, "--checks", policy.id)
        excluded = _known_checks(
            split_values(excluded_checks), known, "--excluded-checks", policy.id
        )
        return cls(
            chosen, excluded, _severities(split_values(severities)), attached_only, skip_aws_managed
        )

    @property
    def narrows(self) -> bool:
        return self != EVERYTHING

    def wants_check(self, check_id: str) -> bool:
        if self.checks and check_id not in self.checks:
            return False
        return check_id not in self.excluded_checks

    def wants_finding(self, finding: Finding) -> bool:
        if self.severities and finding.severity not in self.severities:
            return False
        return self.wants_check(finding.check_id)

    def wants_group(self, group: SecurityGroup) -> bool:
        # A group whose attachment is unknown (the interfaces could not be read) is judged:
        # leaving it out would pass, unjudged, a group that may well be in use.
        if self.attached_only and group.attachment is Attachment.UNATTACHED:
            return False
        return not (self.skip_aws_managed and aws_managed_by(group) is not None)

    def policy(self, policy: Policy) -> Policy:
        """`policy` with every check left out of the selection disabled."""
        if not (self.checks or self.excluded_checks or self.severities):
            return policy
        checks = tuple(
            check
            if not check.enabled
            or (self.wants_check(check.id) and self._wants_severity(check.severity))
            else replace(check, enabled=False)
            for check in policy.checks
        )
        return replace(policy, checks=checks)

    def snapshots(self, snapshots: Sequence[RegionSnapshot]) -> list[RegionSnapshot]:
        """Each snapshot with only the groups selected (every account-region stays, so a
        region whose groups are all left out still counts as read)."""
        if not (self.attached_only or self.skip_aws_managed):
            return list(snapshots)
        return [
            replace(snap, groups=tuple(g for g in snap.groups if self.wants_group(g)))
            for snap in snapshots
        ]

    def result(self, result: ScanResult) -> ScanResult:
        """`result` without the findings of checks left out (the engine's own checks, which
        `policy` cannot disable)."""
        if not (self.checks or self.excluded_checks or self.severities):
            return result
        kept = tuple(f for f in result.findings if self.wants_finding(f))
        return result if len(kept) == len(result.findings) else replace(result, findings=kept)

    def describe(self) -> str:
        """The selection in a few words, for the terminal; empty when nothing is narrowed."""
        parts: list[str] = []
        if self.checks:
            parts.append("checks " + ",".join(sorted(self.checks)))
        if self.excluded_checks:
            parts.append("excluding " + ",".join(sorted(self.excluded_checks)))
        if self.severities:
            ordered = sorted(self.severities, key=lambda s: s.rank, reverse=True)
            parts.append("severity " + ",".join(s.value for s in ordered))
        if self.attached_only:
            parts.append("attached groups only")
        if self.skip_aws_managed:
            parts.append("AWS-managed groups skipped")
        return "; ".join(parts)

    def _wants_severity(self, severity: Severity) -> bool:
        return not self.severities or severity in self.severities


def split_values(values: Iterable[str]) -> tuple[str, ...]:
    """Values of a repeatable option, each of which may also be comma-separated."""
    found: list[str] = []
    for value in values:
        for raw in value.split(","):
            item = raw.strip()
            if item and item not in found:
                found.append(item)
    return tuple(found)


def _known_checks(
    ids: Sequence[str], known: set[str], option: str, policy_id: str
) -> frozenset[str]:
    for check_id in ids:
        if check_id not in known:
            close = sorted(k for k in known if k.lower() == check_id.lower())
            hint = (
                f"did you mean {close[0]}?" if close else "list the checks with `sgc checks list`"
            )
            raise InputError(
                f"{check_id!r} is not a check of policy {policy_id}",
                path=option,
                source="command line",
                hint=hint,
            )
    return frozenset(ids)


def _severities(values: Sequence[str]) -> frozenset[Severity]:
    chosen: set[Severity] = set()
    for value in values:
        try:
            chosen.add(Severity(value.lower()))
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            raise InputError(
                f"{value!r} is not a severity",
                path="--severity",
                source="command line",
                hint=f"use one or more of: {names}",
            ) from None
    return frozenset(chosen)


# The selection of a run that narrows nothing.
EVERYTHING = Selection()

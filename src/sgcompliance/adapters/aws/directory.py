"""Where an account sits in the organization (OUs, tags), for per-OU and per-tag modes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.config.mode_overrides import AccountPlacement

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient

# Organizations nests OUs at most five deep; anything deeper is a loop or an error.
MAX_DEPTH = 8


class OrganizationsDirectory:
    """The `AccountDirectory` port over ListParents and ListTagsForResource.

    An OU's parent never changes without a move, so parents of OUs are kept for the life of
    the directory: accounts that share OUs cost one ListParents call each after the first.
    """

    def __init__(self, client: OrganizationsClient) -> None:
        self.client = client
        self._ou_parents: dict[str, tuple[str, str]] = {}

    def placement(self, account_id: str) -> AccountPlacement:
        return AccountPlacement(ous=self._chain(account_id), tags=self._tags(account_id))

    def _chain(self, account_id: str) -> tuple[str, ...]:
        chain: list[str] = []
        parent_id, parent_type = self._parent(account_id)
        while parent_id and len(chain) < MAX_DEPTH:
            chain.append(parent_id)
            if parent_type != "ORGANIZATIONAL_UNIT":
                break
            cached = self._ou_parents.get(parent_id)
            if cached is None:
                cached = self._parent(parent_id)
                self._ou_parents[parent_id] = cached
            parent_id, parent_type = cached
        return tuple(chain)

    def _parent(self, child_id: str) -> tuple[str, str]:
        with translating("ListParents", scope=child_id):
            parents = self.client.list_parents(ChildId=child_id).get("Parents", [])
        first = parents[0] if parents else {}
        return first.get("Id", ""), first.get("Type", "ROOT")

    def _tags(self, account_id: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        paginator = self.client.get_paginator("list_tags_for_resource")
        with translating("ListTagsForResource", scope=account_id):
            for page in paginator.paginate(ResourceId=account_id):
                for tag in page.get("Tags", []):
                    tags[tag["Key"]] = tag["Value"]
        return tags


class LazyDirectory:
    """Organizations is read only when OU or tag mode overrides exist."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory
        self._directory: OrganizationsDirectory | None = None

    def placement(self, account_id: str) -> AccountPlacement:
        if self._directory is None:
            self._directory = OrganizationsDirectory(self.factory.organizations())
        return self._directory.placement(account_id)

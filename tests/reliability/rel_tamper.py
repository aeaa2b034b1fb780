"""The backup store as its files, for the adversary and the oracles: read, list and write them
directly (plain boto3 on the bucket, plain files in the directory), around the product.

Names are relative to the store: `GROUP/BACKUP_ID.json` for a backup, `receipts/GROUP/...` for
a receipt. A write here is what someone with write access to the store can do: S3 keeps the old
version beside the new one, a directory keeps nothing.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sgcompliance.remediation.backup import canonical_json, group_of, sha256_hex
from support.live_estate import VENDOR

RECEIPTS = "receipts/"
# What a forged document adds: a port open to the world that no estate group ever had (so a
# rollback that opens it opens what the tool never removed), under an id AWS never gave.
FORGED_RULE_ID = "sgr-0f0f0f0f0f0f0f0f0"
FORGED_PORT = 6379


@dataclass(frozen=True, slots=True)
class Blob:
    body: bytes
    version: str | None  # None in a directory

    @property
    def doc(self) -> Any:
        return json.loads(self.body)


class StoreFiles(Protocol):
    def read(self, name: str, version: str | None = None) -> Blob | None:
        """The file (that version, where the store keeps versions); None when there is none."""
        ...

    def first(self, name: str) -> Blob | None:
        """The first content ever written under `name` (the only one a directory knows)."""
        ...

    def write(self, name: str, body: bytes) -> str | None:
        """Write unconditionally; the version the store gave it (None for a directory)."""
        ...

    def names(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class S3Files:
    s3: Any  # a plain boto3 S3 client
    bucket: str
    prefix: str = "backups/"

    def read(self, name: str, version: str | None = None) -> Blob | None:
        params = {"VersionId": version} if version else {}
        try:
            got = self.s3.get_object(Bucket=self.bucket, Key=self.prefix + name, **params)
        except self.s3.exceptions.ClientError:
            return None
        return Blob(bytes(got["Body"].read()), got.get("VersionId"))

    def first(self, name: str) -> Blob | None:
        key = self.prefix + name
        listed = self.s3.list_object_versions(Bucket=self.bucket, Prefix=key).get("Versions", [])
        mine = sorted((v for v in listed if v["Key"] == key), key=lambda v: v["LastModified"])
        return self.read(name, mine[0]["VersionId"]) if mine else None

    def write(self, name: str, body: bytes) -> str | None:
        put = self.s3.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=body)
        version = put.get("VersionId")
        return None if version is None else str(version)

    def names(self) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        keys = (o["Key"] for page in pages for o in page.get("Contents", []))
        return sorted(k.removeprefix(self.prefix) for k in keys)


@dataclass(frozen=True, slots=True)
class DirFiles:
    directory: Path

    def read(self, name: str, version: str | None = None) -> Blob | None:  # noqa: ARG002 - one version
        path = self.directory / name
        return Blob(path.read_bytes(), None) if path.is_file() else None

    def first(self, name: str) -> Blob | None:
        return self.read(name)

    def write(self, name: str, body: bytes) -> str | None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        return None

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        found = (p.relative_to(self.directory) for p in self.directory.rglob("*.json"))
        return sorted(p.as_posix() for p in found)


def backup_name(backup_id: str) -> str:
    return f"{group_of(backup_id)}/{backup_id}.json"


def receipt_name(backup_id: str) -> str:
    return f"{RECEIPTS}{backup_name(backup_id)}"


def backup_names(files: StoreFiles) -> list[str]:
    return [n for n in files.names() if not n.startswith(RECEIPTS)]


def id_of(name: str) -> str:
    return name.rsplit("/", 1)[-1].removesuffix(".json")


def digest(doc: Any) -> str:
    """What the product's pointer and receipt name: sha256 of the canonical document."""
    return sha256_hex(canonical_json(doc))


def encode(doc: Any) -> bytes:
    return json.dumps(doc, indent=2, sort_keys=True).encode()


def with_forged_rule(doc: dict[str, Any], group_id: str) -> dict[str, Any]:
    """The document with the forged rule added to its pre-image and to its plan's revokes:
    what a rollback of it would open."""
    out: dict[str, Any] = json.loads(json.dumps(doc))
    row = {
        "SecurityGroupRuleId": FORGED_RULE_ID,
        "GroupId": group_id,
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": FORGED_PORT,
        "ToPort": FORGED_PORT,
        "CidrIpv4": "0.0.0.0/0",
        "Description": "forged",
    }
    out["pre_image"] = [*out["pre_image"], row]
    out["plan"]["revoke_ingress"] = [*out["plan"]["revoke_ingress"], FORGED_RULE_ID]
    return out


def forged_id(group_id: str, rng: random.Random) -> str:
    """A backup id of the product's shape, dated now."""
    return f"{group_id}.{datetime.now(UTC):%Y%m%dT%H%M%S%f}Z.{rng.randrange(16**8):08x}"


def receipt_for(doc: dict[str, Any], version: str | None, revoked: list[str]) -> dict[str, Any]:
    """A receipt whose digest and version agree with `doc`, claiming `revoked`."""
    plan = doc["plan"]
    planned = [*plan["revoke_ingress"], *plan["revoke_egress"]]
    return {
        "receipt_version": 1,
        "backup_id": doc["backup_id"],
        "account_id": plan["account_id"],
        "region": plan["region"],
        "group_id": plan["group_id"],
        # Now: `--latest` takes the newest receipt, and none dated in the future.
        "created_at": datetime.now(UTC).isoformat(),
        "sha256": digest(doc),
        "version_id": version,
        "plan_id": plan["plan_id"],
        "state": "applied",
        "revoked": revoked,
        "not_revoked": [i for i in planned if i not in revoked],
    }


def pointer_to(files: StoreFiles, name: str) -> str:
    """The pointer tag sgc would write for the backup stored as `name`."""
    blob = files.read(name)
    if blob is None:
        return id_of(name)
    value = f"{id_of(name)} sha256={digest(blob.doc)}"
    return value + (f" v={blob.version}" if blob.version else "")


@dataclass(frozen=True, slots=True)
class Tamper:
    """What someone with write access to the backup store does to it; each returns what it
    did (None when there was nothing to do it to)."""

    files: StoreFiles
    rng: random.Random

    def overwrite(self, group_id: str) -> str | None:
        """A new version over one of the group's backups, opening one more port on rollback."""
        found = self.docs(group_id)
        if not found:
            return None
        name, doc = self.rng.choice(found)
        self.files.write(name, encode(with_forged_rule(doc, doc["plan"]["group_id"])))
        return name

    def foreign(self, group_id: str) -> str | None:
        """A backup document under this group's key whose plan names another group (or the
        same group in another account)."""
        others = [(n, d) for n, d in self.docs() if d["plan"]["group_id"] != group_id]
        if not others:
            return None
        _, doc = self.rng.choice(others)
        forged = json.loads(json.dumps(doc))
        forged["backup_id"] = forged_id(group_id, self.rng)
        if self.rng.random() < 0.5:
            forged["plan"]["account_id"] = VENDOR
        name = f"{group_id}/{forged['backup_id']}.json"
        self.files.write(name, encode(forged))
        return f"{name} names {forged['plan']['group_id']}"

    def receipt(self, account_id: str, group_id: str) -> tuple[str, str] | None:
        """Pre-empt sgc's receipt of a backup (claiming every planned rule revoked), rewrite an
        existing receipt so, or write a backup and its receipt from scratch: (how, backup id)."""
        own = self.docs(group_id)
        written = set(self.files.names())
        unreceipted = [(n, d) for n, d in own if receipt_name(id_of(n)) not in written]
        receipted = [(n, d) for n, d in own if receipt_name(id_of(n)) in written]
        choices = [("pre-empt", unreceipted), ("rewrite", receipted), ("pair", self.docs())]
        usable = [(how, pool) for how, pool in choices if pool]
        if not usable:
            return None
        how, pool = self.rng.choice(usable)
        name, doc = self.rng.choice(pool)
        if how == "pair":
            doc = forged_pair(doc, account_id, group_id, self.rng)
            version = self.files.write(backup_name(doc["backup_id"]), encode(doc))
        else:
            blob = self.files.read(name)
            version = None if blob is None else blob.version
        plan = doc["plan"]
        receipt = receipt_for(doc, version, [*plan["revoke_ingress"], *plan["revoke_egress"]])
        self.files.write(receipt_name(doc["backup_id"]), encode(receipt))
        return how, str(doc["backup_id"])

    def docs(self, group_id: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(name, document) of the backups stored under `group_id` (any group: None)."""
        out = []
        for name in backup_names(self.files):
            if group_id is not None and group_of(id_of(name)) != group_id:
                continue
            blob = self.files.read(name)
            if blob is not None and isinstance(blob.doc, dict) and "plan" in blob.doc:
                out.append((name, blob.doc))
        return out


def forged_pair(
    template: Mapping[str, Any], account_id: str, group_id: str, rng: random.Random
) -> dict[str, Any]:
    """A backup of the group that plans only the forged rule (a receipt will claim it)."""
    doc = json.loads(json.dumps(template))
    doc["backup_id"] = forged_id(group_id, rng)
    doc["plan"].update(
        account_id=account_id, group_id=group_id, revoke_ingress=[], revoke_egress=[]
    )
    doc["pre_image"] = []
    return with_forged_rule(doc, group_id)

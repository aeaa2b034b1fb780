"""A stand-in for the S3 client of the backup store that serves chosen bytes (tests only).

`BodyS3` answers GetObject with the bytes it holds for a key, lists those keys, and lists one
version of each; its bodies remember how many bytes each read asked for, so a test can check
that a reader never asks for more than its limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Body:
    def __init__(self, data: bytes, asked: list[int | None]) -> None:
        self._data = data
        self._asked = asked

    def read(self, amount: int | None = None) -> bytes:
        self._asked.append(amount)
        return self._data if amount is None else self._data[:amount]


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self._pages = pages

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        del kwargs
        yield from self._pages


class BodyS3:
    """GetObject, ListObjectsV2 and ListObjectVersions over `objects` (key -> bytes)."""

    def __init__(self, objects: dict[str, bytes] | None = None) -> None:
        self.objects: dict[str, bytes] = dict(objects or {})
        # The amount each Body.read asked for (None: everything).
        self.asked: list[int | None] = []

    def get_object(self, **params: Any) -> dict[str, Any]:
        return {"Body": Body(self.objects[params["Key"]], self.asked), "VersionId": "v1"}

    def get_bucket_versioning(self, **params: Any) -> dict[str, Any]:
        del params
        return {"Status": "Enabled"}

    def get_paginator(self, name: str) -> _Pages:
        if name == "list_objects_v2":
            return _Pages([{"Contents": [{"Key": k} for k in sorted(self.objects)]}])
        versions = [{"Key": k, "VersionId": "v1"} for k in sorted(self.objects)]
        return _Pages([{"Versions": versions, "DeleteMarkers": []}])

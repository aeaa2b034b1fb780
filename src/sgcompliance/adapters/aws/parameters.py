"""Runtime parameters from SSM Parameter Store: every parameter under one path, decrypted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import translating

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


class SsmParameterSource:
    """The `ParameterSource` port over GetParametersByPath (recursive, WithDecryption, paged)."""

    def __init__(self, client: SSMClient) -> None:
        self.client = client

    def get_by_path(self, path: str) -> dict[str, str]:
        values: dict[str, str] = {}
        paginator = self.client.get_paginator("get_parameters_by_path")
        with translating("GetParametersByPath", scope=path):
            pages = paginator.paginate(Path=path, Recursive=True, WithDecryption=True)
            for page in pages:
                for parameter in page.get("Parameters", []):
                    if "Name" in parameter and "Value" in parameter:
                        values[parameter["Name"]] = parameter["Value"]
        return values

"""The product's runtime pointed at the fault proxy, as a fresh process would build it.

Like `bootstrap.build_runtime`, but with a short read timeout (so that a stalled answer costs
about a second, not thirty) and fewer attempts (so that a burst of faults outlasts botocore's
retries and reaches the product's own error handling). Each call builds new clients: a run is
a new process, nothing of a dead run is reused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from unittest.mock import patch

import botocore.loaders
import botocore.session

from sgcompliance.adapters.aws import session as session_module
from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.estate import BackupTarget, Runtime
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.remediation.ports import BackupStore
from support.live_estate import EXTERNAL_ID, ROLE_NAME, Estate

BUCKET = "sgc-rel-backups"
READ_TIMEOUT = 1.0
# Longer than READ_TIMEOUT: the client gives up first, as it would on a stalled connection.
STALL = 1.5


@dataclass(frozen=True, slots=True)
class ClientTuning:
    max_attempts: int = 3
    read_timeout: float = READ_TIMEOUT


def proxied_runtime(
    estate: Estate, endpoint: str, *, purpose: str, tuning: ClientTuning = ClientTuning()
) -> Runtime:
    """Raises SgcError when even the first call (GetCallerIdentity) fails."""
    settings = AwsSettings(
        endpoint_url=endpoint,
        max_attempts=tuning.max_attempts,
        connect_timeout=tuning.read_timeout,
        read_timeout=tuning.read_timeout,
    )
    counter = ApiCallCounter()
    with patch.object(session_module, "_new_session", _session_with_shared_models):
        factory = ClientFactory(settings, counter=counter)
    with translating("GetCallerIdentity"):
        caller = factory.sts().get_caller_identity()["Account"]
    role = RoleSettings(role_name=ROLE_NAME, external_id=EXTERNAL_ID, purpose=purpose)
    clients = AccountClients(factory, RoleAssumer(factory.sts(), role), direct_accounts=[caller])
    return Runtime(factory, clients, caller, estate.accounts, estate.regions, counter)


@cache
def _models() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def _session_with_shared_models(settings: AwsSettings, environ: Mapping[str, str]) -> Any:
    """A new session, as each run gets, but reading the service models parsed once: parsing
    them again (about 0.1 s per service) would be most of a schedule's time."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _models())
    return core


def backup_store(runtime: Runtime) -> BackupStore:
    return runtime.backups(BackupTarget(bucket=BUCKET))


def create_bucket(runtime: Runtime) -> None:
    """The versioned backup bucket, made before faults are switched on."""
    s3 = runtime.factory.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})

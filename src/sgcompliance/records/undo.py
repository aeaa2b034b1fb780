"""How a person undoes a remediation: the `sgc rollback` command line for a backup.

Alerts, reports and the CLI's notes all print it; the syntax of the command lives here only.
"""

from __future__ import annotations

import shlex

DEFAULT_BACKUP_PREFIX = "backups/"


def rollback_options(
    backup_dir: str | None, backup_bucket: str | None, backup_prefix: str = DEFAULT_BACKUP_PREFIX
) -> str:
    """What `sgc rollback` needs besides the backup id to find the backup."""
    if backup_dir is not None:
        return f"--backup-dir {shlex.quote(backup_dir)}"
    if backup_bucket is None:
        return ""
    options = f"--backup-bucket {shlex.quote(backup_bucket)}"
    if backup_prefix != DEFAULT_BACKUP_PREFIX:
        options += f" --backup-prefix {shlex.quote(backup_prefix)}"
    return options


def rollback_command(backup_id: str | None, options: str = "") -> str | None:
    """`sgc rollback ID OPTIONS`, or None when nothing was backed up."""
    if not backup_id:
        return None
    return " ".join(filter(None, ("sgc rollback", shlex.quote(backup_id), options)))


def run_rollback_command(run_id: str, options: str = "") -> str:
    """`sgc rollback --run RUN_ID OPTIONS`: every backup of one remediation run."""
    return " ".join(filter(None, ("sgc rollback --run", shlex.quote(run_id), options)))

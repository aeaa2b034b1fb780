"""Remediation: where a revoke is made and a backup is written.

Pure: `plan` (what to revoke and tag), `backup` and `receipt` (the records), `drift`, `inverse`
(the rollback of a plan), `rollback_trust`. Ports: `ports` (GroupGateway, BackupStore). Services:
`remediator.SecurityGroupRemediator`, `guarded_revoke` (the revoke call), `enforcement`, `rollback`.
"""

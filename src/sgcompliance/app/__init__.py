"""Use cases: scanning, remediation, rollback, metrics and fleet fan-out. No boto3 here."""

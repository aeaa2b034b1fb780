"""Helpers shared between the test folders, imported as `support.<module>` (pyproject's pytest
`pythonpath` puts tests/ on the import path; test folders themselves are not packages).

- `credential_patterns`: the suite-wide credential scan (tests/conftest.py) and its patterns.
- `pipeline_world`: the event pipeline over the fakes of `sgcompliance.testing`.
- `moto_env`: a moto server per test session, with fake credentials only.
- `estate`: building security groups, rules and snapshots (model objects, describe documents,
  or groups in the moto server).
- `live_estate`, `it_policy`, `live_runs`, `live_faults`, `handler_hub`: the integration estate
  with its oracles, policy, runs, crash points and hub, reused by the reliability campaign.
- `faults`: the fault-injecting proxy in front of the moto server and its seeded schedules.
"""

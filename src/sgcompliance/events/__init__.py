"""What the Lambda is invoked with, and the use cases that answer it.

Telling inputs apart (`classify`, `cloudtrail`, `operator_actions`, `work_items`) is pure; a
change event goes to `change_event`, a sweep to `sweep` and `batch`, an operator to
`operator_service`; `invocation.HandlerApp` routes one invocation to its use case.
"""

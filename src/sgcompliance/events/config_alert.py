"""The alert for a configuration that cannot be loaded: nothing is enforced until it is fixed.

Every invocation meets the same broken configuration, so the same error is alerted at most once
per `REPEAT_SECONDS` by one function instance; a different error is alerted at once. The topic
is the last valid configuration's, else what the adapters can still find (the environment, or
the raw parameter). The error names the parameter and never holds a secret value.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from sgcompliance.errors import ConfigError
from sgcompliance.events.services import Pipeline
from sgcompliance.records.notifier import AlertPublisher
from sgcompliance.records.sns_message import Alert, attribute_value, subject_line

REPEAT_SECONDS = 900.0
ALERT_SCHEMA_VERSION = 1
_ERROR_LIMIT = 4096


def config_error_alert(error: ConfigError) -> Alert:
    text = str(error)[:_ERROR_LIMIT]
    body = {
        "schema_version": ALERT_SCHEMA_VERSION,
        "kind": "config_error",
        "summary": "invalid configuration: no security group is checked or remediated",
        "error": text,
        "code": error.code,
        "hint": error.hint,
    }
    attributes = {
        "severity": "high",
        "account": attribute_value(None),
        "mode": attribute_value(None),
        "kind": "config_error",
    }
    return Alert(
        subject_line(f"sgcompliance ERROR: invalid configuration: {text}"),
        json.dumps(body, ensure_ascii=True, separators=(",", ":")),
        attributes,
    )


class ConfigAlerts:
    def __init__(
        self, pipeline: Pipeline, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.pipeline = pipeline
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._sent: dict[str, float] = {}

    def notify(self, error: ConfigError) -> str | None:
        """Publish the alert unless this error was alerted recently; the message id, if sent."""
        key = str(error)
        now = self._monotonic()
        with self._lock:
            last = self._sent.get(key)
            if last is not None and now - last < REPEAT_SECONDS:
                return None
        topic = self.pipeline.alert_topic()
        if topic is None:
            return None
        publisher = AlertPublisher(self.pipeline.adapters.notifier(topic), self.pipeline.metrics)
        delivery = publisher.send(config_error_alert(error))
        if delivery.sent:
            with self._lock:
                self._sent[key] = now
        return delivery.message_id

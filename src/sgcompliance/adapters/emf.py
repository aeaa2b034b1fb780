"""Metrics as CloudWatch embedded metric format (EMF) log lines, through aws-lambda-powertools.

One JSON line per set of dimension values, on stdout by default (Lambda sends it to CloudWatch
Logs, which turns it into metrics). powertools is imported on first use: importing it loads
botocore (its user-agent hook), which a cold start should not pay for at import time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from sgcompliance.records.metrics import MetricSet

if TYPE_CHECKING:
    from aws_lambda_powertools.metrics import Metrics

# powertools writes a document itself, to stdout, when one metric reaches 100 values: stay below.
MAX_VALUES_PER_DOCUMENT = 99


class EmfMetricsSink:
    """Writes EMF lines to `out` (stdout when None); nothing when powertools' metrics are
    disabled (`POWERTOOLS_METRICS_DISABLED`)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    def publish(
        self, namespace: str, service: str, sets: Sequence[MetricSet]
    ) -> list[dict[str, Any]]:
        from aws_lambda_powertools.metrics.functions import is_metrics_disabled  # noqa: PLC0415 - lazy: powertools loads botocore; a cold start pays only on flush

        if not sets or is_metrics_disabled():
            return []
        documents = [doc for s in sets for doc in _documents(namespace, service, s)]
        out = self._out if self._out is not None else sys.stdout
        for document in documents:
            out.write(json.dumps(document, separators=(",", ":")) + "\n")
        out.flush()
        return documents


def _documents(namespace: str, service: str, metric_set: MetricSet) -> list[dict[str, Any]]:
    """As many documents as the values need (EMF takes at most 100 values per metric)."""
    documents = []
    start = 0
    while any(start < len(values) for _, values in metric_set.metrics.values()):
        metrics = _new_metrics(namespace, service)
        for name, (unit, values) in metric_set.metrics.items():
            for value in values[start : start + MAX_VALUES_PER_DOCUMENT]:
                metrics.add_metric(name=name, unit=unit, value=value)
        for key, text in metric_set.dimensions:
            metrics.add_dimension(name=key, value=text)
        if metric_set.rollup:
            named = dict(metric_set.dimensions)
            metrics.add_dimensions(**{key: named[key] for key in metric_set.rollup})
        documents.append(dict(metrics.serialize_metric_set()))
        metrics.clear_metrics()
        start += MAX_VALUES_PER_DOCUMENT
    return documents


def _new_metrics(namespace: str, service: str) -> Metrics:
    """`Metrics` keeps its data in class attributes shared by every instance in the process;
    a private provider per document keeps documents (and runs) apart."""
    from aws_lambda_powertools.metrics import Metrics  # noqa: PLC0415 - lazy: powertools loads botocore; a cold start pays only on flush
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (  # noqa: PLC0415 - lazy: powertools loads botocore; a cold start pays only on flush
        AmazonCloudWatchEMFProvider,
    )

    provider = AmazonCloudWatchEMFProvider(namespace=namespace, service=service)
    return Metrics(provider=provider)

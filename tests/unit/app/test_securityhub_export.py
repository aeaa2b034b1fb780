"""The Security Hub export use case with fake importers: routing, batching, failures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sgcompliance.errors import AccessDeniedError, AwsApiError, ConfigError
from sgcompliance.records.securityhub_export import Document, export_findings


@dataclass(frozen=True, slots=True)
class Rejected:
    finding_id: str
    code: str
    message: str


@dataclass
class FakeHub:
    """Security Hub of one account-region: records calls, rejects the listed ids."""

    reject: frozenset[str] = frozenset()
    fail_with: AwsApiError | None = None
    calls: list[list[str]] = field(default_factory=list)

    def import_findings(self, documents: Sequence[Document]) -> list[Rejected]:
        self.calls.append([str(d["Id"]) for d in documents])
        if self.fail_with is not None:
            raise self.fail_with
        return [Rejected(i, "InvalidInput", "bad") for i in self.calls[-1] if i in self.reject]


def doc(finding_id: str, account: str = "111111111111", region: str = "eu-west-1") -> Document:
    arn = f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
    return {"Id": finding_id, "ProductArn": arn}


def test_documents_are_sent_in_batches_of_at_most_100() -> None:
    hub = FakeHub()
    report = export_findings([doc(f"f{i:03d}") for i in range(201)], lambda a, r: hub)
    assert [len(call) for call in hub.calls] == [100, 100, 1]
    assert (report.sent, report.imported, report.batches) == (201, 201, 3)


def test_each_document_goes_to_the_account_and_region_of_its_product() -> None:
    hubs: dict[tuple[str, str], FakeHub] = {}
    docs = [doc("a", "111111111111", "eu-west-1"), doc("b", "222222222222", "us-east-1")]
    export_findings(docs, lambda a, r: hubs.setdefault((a, r), FakeHub()))
    assert {k: h.calls for k, h in hubs.items()} == {
        ("111111111111", "eu-west-1"): [["a"]],
        ("222222222222", "us-east-1"): [["b"]],
    }


def test_rejected_findings_are_reported_by_id_with_their_scope() -> None:
    hub = FakeHub(reject=frozenset({"f2"}))
    report = export_findings([doc("f1"), doc("f2")], lambda a, r: hub)
    assert [(f.finding_id, f.account_id, f.code) for f in report.failed] == [
        ("f2", "111111111111", "InvalidInput")
    ]
    assert not report.ok


def test_a_failed_call_fails_its_batch_and_other_accounts_go_on() -> None:
    # GIVEN Security Hub not enabled in one account
    denied = FakeHub(fail_with=AccessDeniedError("no", operation="BatchImportFindings",
                                                 aws_code="InvalidAccessException"))  # fmt: skip
    fine = FakeHub()
    hubs = {"111111111111": denied, "222222222222": fine}
    docs = [doc("a"), doc("b", "222222222222")]
    # WHEN exported
    report = export_findings(docs, lambda a, r: hubs[a])
    # THEN that account's findings fail with the AWS error code, the other's are imported
    assert [(f.finding_id, f.code) for f in report.failed] == [("a", "InvalidAccessException")]
    assert report.imported == 1


def test_an_account_that_cannot_be_reached_fails_its_findings_only() -> None:
    def importer(account: str, region: str) -> FakeHub:
        if account == "111111111111":
            raise ConfigError("cannot assume the member role")
        return FakeHub()

    report = export_findings([doc("a"), doc("b", "222222222222")], importer)
    assert [(f.finding_id, f.code) for f in report.failed] == [("a", ConfigError.code)]
    assert report.imported == 1

"""The project's error tree. Every error has a stable code and a one-line hint."""

from __future__ import annotations


class SgcError(Exception):
    """Root of every error sgcompliance raises on purpose."""

    code = "SGC000"
    hint = "see the message"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(SgcError):
    """A document given to sgcompliance (snapshot, event, file) is malformed."""

    code = "SGC100"
    hint = "fix the document at the path named in the message"

    def __init__(self, message: str, *, path: str = "$", source: str = "", hint: str | None = None):
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{path}: {message}", hint=hint)
        self.path = path
        self.source = source
        self.detail = message


class PolicyError(SgcError):
    """A policy document is invalid; carries every problem found, each with its JSON path."""

    code = "SGC200"
    hint = "run `sgc policy validate FILE` to list every problem with its JSON path"

    def __init__(self, source: str, problems: list[tuple[str, str, str]]) -> None:
        self.source = source
        # each problem: (json path, message, hint)
        self.problems = problems
        first = problems[0] if problems else ("$", "invalid policy", "")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{source}: {first[0]}: {first[1]}{more}")


class ConfigError(SgcError):
    """Configuration (settings, parameters, environment) is missing or invalid."""

    code = "SGC300"
    hint = "fix the named parameter; no destructive action is taken with invalid configuration"


class BackupError(SgcError):
    """A backup could not be written or read: nothing is revoked without a stored backup."""

    code = "SGC400"
    hint = "check the backup store (bucket, versioning, KMS key, or --backup-dir) and re-run"


class AwsApiError(SgcError):
    """An AWS API call failed. Raised only by the aws package's translation layer."""

    code = "SGC500"
    hint = "see the AWS error code in the message"

    def __init__(
        self, message: str, *, operation: str = "", aws_code: str = "", lost_answers: int = 0
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.aws_code = aws_code
        # Attempts of the call that got no answer after their request may have reached AWS (a
        # read timeout, a connection closed): the SDK sent it again, so this error may be about
        # what such an attempt did. Throttled attempts and other answered errors do not count:
        # AWS said what it did with them.
        self.lost_answers = lost_answers


class AccessDeniedError(AwsApiError):
    code = "SGC501"
    hint = "the role lacks a permission: compare its policy with `sgc permissions` / the Terraform"


class ThrottledError(AwsApiError):
    code = "SGC502"
    hint = "AWS throttled the calls past all retries; lower --max-workers or raise --max-attempts"


class NotFoundError(AwsApiError):
    code = "SGC503"
    hint = "the resource no longer exists"


class AwsUnavailableError(AwsApiError):
    code = "SGC504"
    hint = "the endpoint did not answer; check network, region and --endpoint-url"


class DocumentLimitError(InputError):
    """A document is over one of the limits of what sgcompliance reads: its size in bytes, how
    deep its arrays and objects nest, or how many values it holds."""

    code = "SGC102"
    hint = "the message names the limit and how far over it the document is"

variable "name" {
  type        = string
  description = "Prefix of every resource name; also the SSM parameter path (/NAME) and the functions' POWERTOOLS_SERVICE_NAME. Keep it starting with \"sgcompliance\": the functions' own changes are recognised by their session name prefix sgcompliance-."
  default     = "sgcompliance"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "lambda_zip_path" {
  type        = string
  description = "Path of the deployment zip built by `make package` (the sgcompliance package and its dependencies for linux arm64)."

  validation {
    condition     = fileexists(var.lambda_zip_path)
    error_message = "lambda_zip_path must name an existing file: build it with `make package`."
  }
}

variable "organization_id" {
  type        = string
  description = "AWS Organizations id (o-...). When set, the scope is the whole organization (accounts = organization), the hub bus admits every account of it (aws:PrincipalOrgID) and the member roles are assumed in any of its accounts. Null: only member_account_ids."
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abcdefghij."
  }
}

variable "member_account_ids" {
  type        = list(string)
  description = "Member account ids. Without organization_id they are the scope and the only accounts the hub bus admits; with it, they are admitted by the bus as well (e.g. accounts outside the organization)."
  default     = []

  validation {
    condition     = alltrue([for id in var.member_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "member_account_ids must be 12-digit AWS account ids."
  }
}

variable "external_id" {
  type        = string
  description = "The ExternalId the functions present when they assume the member roles; stored as a SecureString parameter encrypted with the hub key, never in the functions' environment."
  sensitive   = true

  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/-_."
  }
}

variable "member_role_name" {
  type        = string
  description = "Name of the role the member module creates in every member account (the functions assume it)."
  default     = "sgcompliance-member"
}

variable "mode" {
  type        = string
  description = "What the functions do about a violation: flag_only, remove_non_compliant_rules or emergency_remediation."
  default     = "flag_only"

  validation {
    condition     = contains(["flag_only", "remove_non_compliant_rules", "emergency_remediation"], var.mode)
    error_message = "mode must be one of flag_only, remove_non_compliant_rules, emergency_remediation."
  }
}

variable "mode_overrides" {
  type        = string
  description = "JSON object of per-account, per-tag and per-OU modes (docs/configuration.md, \"Mode overrides\"); null for none."
  default     = null

  validation {
    condition     = var.mode_overrides == null || can(jsondecode(var.mode_overrides))
    error_message = "mode_overrides must be a JSON object."
  }
}

variable "dry_run" {
  type        = bool
  description = "When true, remediation is planned, audited and alerted but nothing is changed."
  default     = false
}

variable "regions" {
  type        = list(string)
  description = "Regions to judge; empty means every region enabled in the hub account."
  default     = []

  validation {
    condition     = alltrue([for r in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r))])
    error_message = "regions must be AWS region names such as eu-west-1."
  }
}

variable "max_revokes" {
  type        = number
  description = "The most rules one run may revoke (the blast radius); null for no limit."
  default     = 25

  validation {
    condition     = var.max_revokes == null ? true : var.max_revokes >= 0 && floor(var.max_revokes) == var.max_revokes
    error_message = "max_revokes must be a whole number >= 0, or null."
  }
}

variable "lockdown_severity" {
  type        = string
  description = "The lowest finding severity for which emergency_remediation locks a group down: info, low, medium, high or critical."
  default     = "critical"

  validation {
    condition     = contains(["info", "low", "medium", "high", "critical"], var.lockdown_severity)
    error_message = "lockdown_severity must be one of info, low, medium, high, critical."
  }
}

variable "policy_file" {
  type        = string
  description = "Path of a JSON policy document uploaded to the hub bucket and used by the functions; null uses builtin:strict."
  default     = null

  validation {
    condition     = var.policy_file == null ? true : fileexists(var.policy_file)
    error_message = "policy_file must name an existing file."
  }
}

variable "alert_email_addresses" {
  type        = list(string)
  description = "Email addresses subscribed to the alerts topic (each confirms its subscription)."
  default     = []
}

variable "alert_https_endpoints" {
  type        = list(string)
  description = "HTTPS endpoints subscribed to the alerts topic."
  default     = []

  validation {
    condition     = alltrue([for url in var.alert_https_endpoints : startswith(url, "https://")])
    error_message = "alert_https_endpoints must be https:// URLs."
  }
}

variable "alert_owner_tags" {
  type        = string
  description = "Tags that route alerts to their owners, as alert_owner_tags in docs/configuration.md: attribute=TagKey pairs (attribute=account:TagKey for the account's tag), or none."
  default     = "owner=Owner,team=Team"

  validation {
    condition     = length(trimspace(var.alert_owner_tags)) > 0
    error_message = "alert_owner_tags must name attribute=TagKey pairs, or be none."
  }
}

variable "team_alert_subscriptions" {
  type = list(object({
    team      = string
    protocol  = string
    endpoint  = string
    attribute = optional(string, "team")
  }))
  description = "Per-team subscriptions to the alerts topic: each receives only the alerts whose routing attribute (team by default) names its team, through a filter policy."
  default     = []

  validation {
    condition = alltrue([
      for s in var.team_alert_subscriptions : contains(["email", "email-json", "https", "sqs", "lambda"], s.protocol)
    ])
    error_message = "team_alert_subscriptions: protocol must be email, email-json, https, sqs or lambda."
  }

  # A value as the alerts carry it: printable, trimmed, single spaces, no quote or backslash.
  validation {
    condition = alltrue([
      for s in var.team_alert_subscriptions : can(regex("^[^\"\\\\[:cntrl:]]{1,128}$", s.team)) && s.team == join(" ", compact(split(" ", s.team)))
    ])
    error_message = "team_alert_subscriptions: team must be 1-128 printable characters, trimmed, single-spaced, without quotes or backslashes (as alerts carry it)."
  }

  validation {
    condition     = alltrue([for s in var.team_alert_subscriptions : can(regex("^[a-z][a-z0-9_-]{0,31}$", s.attribute))])
    error_message = "team_alert_subscriptions: attribute must be a routing attribute name of alert_owner_tags (lower-case, e.g. team)."
  }
}

variable "sweep_schedule_expression" {
  type        = string
  description = "EventBridge schedule of the full sweep over every account x region, e.g. rate(1 day) or cron(0 3 * * ? *)."
  default     = "rate(1 day)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.sweep_schedule_expression))
    error_message = "sweep_schedule_expression must be a rate(...) or cron(...) expression."
  }
}

variable "worker_reserved_concurrency" {
  type        = number
  description = "Reserved concurrency of the sweep worker: how many account x region items are read at once (rate limiting against the EC2 APIs)."
  default     = 5

  validation {
    condition     = var.worker_reserved_concurrency >= 2 && floor(var.worker_reserved_concurrency) == var.worker_reserved_concurrency
    error_message = "worker_reserved_concurrency must be a whole number >= 2 (an SQS event source needs two)."
  }
}

variable "handler_reserved_concurrency" {
  type        = number
  description = "Reserved concurrency of the event handler (change events, the sweep's dispatch, operator actions)."
  default     = 5

  validation {
    condition     = var.handler_reserved_concurrency >= 2 && floor(var.handler_reserved_concurrency) == var.handler_reserved_concurrency
    error_message = "handler_reserved_concurrency must be a whole number >= 2 (an SQS event source needs two)."
  }
}

variable "lambda_concurrency_quota" {
  type        = number
  description = "The account's Lambda concurrent-executions quota in the hub's region (Service Quotas: AWS Lambda, Concurrent executions, L-B99A9384; `aws lambda get-account-settings` shows it as AccountLimit.ConcurrentExecutions). Lambda keeps 100 of it unreserved, so handler_reserved_concurrency + worker_reserved_concurrency may be at most this minus 100. New accounts often start with a lower quota (such as 10): ask for an increase before the first apply."
  default     = 1000

  validation {
    condition     = floor(var.lambda_concurrency_quota) == var.lambda_concurrency_quota && var.handler_reserved_concurrency + var.worker_reserved_concurrency <= var.lambda_concurrency_quota - 100
    error_message = "handler_reserved_concurrency + worker_reserved_concurrency must leave 100 executions of the account's Lambda concurrency quota (lambda_concurrency_quota) unreserved: Lambda refuses PutFunctionConcurrency otherwise. Ask for a higher \"Concurrent executions\" quota (L-B99A9384) in Service Quotas and set lambda_concurrency_quota to it, or lower the reservations."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the functions' log groups (the log holds the audit trail and the EMF metrics)."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days an overwritten or deleted object version (an old backup, policy or audit record) is kept in the hub bucket."
  default     = 365

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "tracing_enabled" {
  type        = bool
  description = "Active X-Ray tracing of the functions (adds the X-Ray write actions to their role)."
  default     = false
}

variable "operator_role_arns" {
  type        = list(string)
  description = "ARNs of the operators' IAM roles (the roles the member module's operator_role_arns lists, for the sgc CLI). Besides the functions' role they are the only principals (with bucket_admin_principal_arns) the hub bucket policy lets write under backups/ and audit/, and the bucket policy grants them what the CLI does there: read the policy, backups and audit records, read backup versions and list them under backups/ (s3:GetObjectVersion, s3:ListBucketVersions), write backups and audit records. Their own policies must still allow kms:Decrypt and kms:GenerateDataKey on the hub key. Each role must exist when the bucket policy is written: S3 refuses an unknown principal."
  default     = []

  validation {
    condition     = alltrue([for arn in var.operator_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "operator_role_arns must be IAM role ARNs (arn:PARTITION:iam::ACCOUNT:role/NAME), without wildcards."
  }
}

variable "bucket_admin_principal_arns" {
  type        = list(string)
  description = "Principal ARNs (aws:PrincipalArn, ArnLike patterns with * allowed, e.g. the deploy role or arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*) that may, besides the functions' role and operator_role_arns, write and delete under backups/ and audit/ of the hub bucket (emptying it before a destroy, bucket_force_destroy), and the only ones that may bypass the governance retention of backup_object_lock_days (s3:BypassGovernanceRetention; their own policies must allow it). Empty: only the functions' and the operators' roles write there and nobody bypasses the retention; the account's root user can still replace the bucket policy."
  default     = []

  validation {
    condition     = alltrue([for arn in var.bucket_admin_principal_arns : can(regex("^arn:[a-z*-]+:iam::[0-9*?]+:[A-Za-z0-9+=,.@_/*?-]+$", arn))])
    error_message = "bucket_admin_principal_arns must be IAM principal ARNs or ArnLike patterns (arn:PARTITION:iam::ACCOUNT:role/NAME, user/NAME or root)."
  }
}

variable "backup_object_lock_days" {
  type        = number
  description = "Days of S3 Object Lock default retention in GOVERNANCE mode on the hub bucket; 0 (the default) leaves it off. A default retention covers every new object version of the bucket, not only backups/: audit records (written once anyway) and the versions of the policy object are retained as long, so removing policy_file or destroying the hub fails for versions still retained unless a bucket_admin_principal_arns principal bypasses the retention. A new bucket is created with Object Lock enabled (object_lock_enabled, which AWS otherwise sets only at creation); an existing hub bucket (versioned) gets it from the lock configuration instead, without being replaced. Object Lock cannot be switched off again: back to 0 removes the default retention only, and versions already written stay retained until their date. With a retention, each PutObject must carry Content-MD5 or a checksum (boto3 1.36 and later sends one by default)."
  default     = 0

  validation {
    condition     = var.backup_object_lock_days >= 0 && var.backup_object_lock_days <= 36500 && floor(var.backup_object_lock_days) == var.backup_object_lock_days
    error_message = "backup_object_lock_days must be a whole number of days from 0 (off) to 36500."
  }
}

variable "bucket_restrict_writes" {
  type        = bool
  description = "Add the write restrictions to the hub bucket policy: writes and deletes under backups/ and audit/ only by the functions' role, operator_role_arns and bucket_admin_principal_arns; none under policy/ by the functions' role; governance bypass only by bucket_admin_principal_arns. Only the apply test against the local moto server needs false (moto applies a Deny statement as if its conditions always held); never for a real hub."
  default     = true
}

variable "bucket_require_tls" {
  type        = bool
  description = "Deny every request to the hub bucket that is not made over TLS. Only a local endpoint over plain HTTP (the moto server of the apply test) needs false."
  default     = true
}

variable "bucket_force_destroy" {
  type        = bool
  description = "Let `terraform destroy` delete the hub bucket with its backups and audit records; for test deployments only."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource that takes tags."
  default     = {}
}

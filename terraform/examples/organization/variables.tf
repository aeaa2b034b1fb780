variable "region" {
  type        = string
  description = "Home region of the hub, where the member roles are created (by the first member slot's provider or the StackSet's primary-region stack). Must be one of regions."
  default     = "us-east-1"
}

variable "partition" {
  type        = string
  description = "AWS partition of the accounts (aws, aws-us-gov, aws-cn); used in the member deployment role ARNs."
  default     = "aws"
}

variable "name" {
  type        = string
  description = "Prefix of the hub's resource names (the hub module's name)."
  default     = "sgcompliance"
}

variable "lambda_zip_path" {
  type        = string
  description = "Path of the deployment zip built by `make package`."
}

variable "organization_id" {
  type        = string
  description = "AWS Organizations id (o-...): the hub bus admits the whole organization and the member roles require it (aws:PrincipalOrgID). Required with deploy_members_with_stackset."
  default     = null
}

variable "member_account_ids" {
  type        = list(string)
  description = "Member accounts. The hub scans them (with organization_id: in addition to the organization). Without the StackSet, Terraform deploys the member module into each of them (at most 3 slots, see providers.tf)."
  default     = []
}

variable "member_deploy_role_name" {
  type        = string
  description = "Role Terraform assumes in each member account to deploy the member module (Organizations creates OrganizationAccountAccessRole in the accounts it creates)."
  default     = "OrganizationAccountAccessRole"
}

variable "external_id" {
  type        = string
  description = "ExternalId the hub presents to the member roles; keep it out of version control (TF_VAR_external_id)."
  sensitive   = true
}

variable "member_role_name" {
  type        = string
  description = "Name of the member role in every member account."
  default     = "sgcompliance-member"
}

variable "operator_role_arns" {
  type        = list(string)
  description = "Operators' IAM roles every member role trusts as well (same ExternalId and organization conditions as the hub's role), for the sgc CLI across the organization (docs/deploy.md); the hub bucket lets them read and write backups and audit records too. The roles must exist before the hub and the members are applied."
  default     = []
}

variable "bucket_admin_principal_arns" {
  type        = list(string)
  description = "Principal ARNs (ArnLike patterns allowed) that may, besides the hub's functions and the operators, write and delete backups and audit records in the hub bucket, and the only ones that may bypass the backup retention (the hub module's variable of the same name; e.g. the deploy role)."
  default     = []
}

variable "backup_object_lock_days" {
  type        = number
  description = "Days of S3 Object Lock default retention (GOVERNANCE mode) on the hub bucket; 0 leaves it off. It covers every object of the bucket and cannot be switched off once on (the hub module's variable of the same name, docs/deploy.md)."
  default     = 0
}

variable "allow_securityhub_export" {
  type        = bool
  description = "Let the member roles import findings into their own account's Security Hub (securityhub:BatchImportFindings), for `sgc export securityhub --organization`."
  default     = false
}

variable "mode" {
  type        = string
  description = "What the hub does about a violation: flag_only, remove_non_compliant_rules or emergency_remediation."
  default     = "flag_only"
}

variable "dry_run" {
  type        = bool
  description = "Plan, audit and alert remediation without changing anything."
  default     = true
}

variable "regions" {
  type        = list(string)
  description = "Regions the hub judges, and the regions every member account (and the hub account) forwards security-group events from: with Terraform slots at most 4, with the StackSet any number. Must include region."
  default     = ["us-east-1"]
}

variable "policy_file" {
  type        = string
  description = "Path of a JSON policy document for the hub; null uses builtin:strict."
  default     = null
}

variable "alert_email_addresses" {
  type        = list(string)
  description = "Email addresses subscribed to the hub's alerts topic."
  default     = []
}

variable "lambda_concurrency_quota" {
  type        = number
  description = "The hub account's Lambda concurrent-executions quota in region (the hub module's variable of the same name): the functions' reserved concurrency must leave 100 of it unreserved. Check it with `aws lambda get-account-settings` before the first apply; new accounts may have 10."
  default     = 1000
}

variable "forward_hub_account_events" {
  type        = bool
  description = "Forward the hub (security) account's own security-group API events from every governed region to the hub bus, as the members' are. Set false only when the StackSet's OUs include the security account (its stacks then forward them)."
  default     = true
}

variable "deploy_members_with_stackset" {
  type        = bool
  description = "Roll the member role and forwarding rule out to every account of stackset_organizational_unit_ids with a service-managed CloudFormation StackSet (new accounts get it automatically) instead of the Terraform member slots."
  default     = false
}

variable "stackset_organizational_unit_ids" {
  type        = list(string)
  description = "OUs (ou-... or the root r-...) whose accounts the StackSet deploys to."
  default     = []
}

variable "stackset_call_as" {
  type        = string
  description = "SELF when the default provider is the organization's management account; DELEGATED_ADMIN when it is a delegated StackSets administrator (the usual security account)."
  default     = "DELEGATED_ADMIN"

  validation {
    condition     = contains(["SELF", "DELEGATED_ADMIN"], var.stackset_call_as)
    error_message = "stackset_call_as must be SELF or DELEGATED_ADMIN."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags on every resource (provider default_tags and the modules' tags)."
  default     = {}
}

variable "hub_account_id" {
  type        = string
  description = "AWS account id of the hub (security) account; the forwarding role may only put events on a bus of that account."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.hub_account_id))
    error_message = "hub_account_id must be a 12-digit AWS account id."
  }
}

variable "hub_role_arn" {
  type        = string
  description = "ARN of the hub's Lambda execution role (the hub module's remediator_role_arn output): the principal the member role trusts (besides operator_role_arns)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.hub_role_arn))
    error_message = "hub_role_arn must be an IAM role ARN."
  }
}

variable "operator_role_arns" {
  type        = list(string)
  description = "ARNs of the operators' IAM roles that may assume the member role too (for `sgc scan --organization`, `sgc remediate`, `sgc rollback` and `sgc export securityhub` from a workstation), with the same ExternalId (and organization) condition as the hub role. Each role must exist when the member role is created: IAM refuses an unknown principal."
  default     = []

  validation {
    condition     = alltrue([for arn in var.operator_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "operator_role_arns must be IAM role ARNs (arn:PARTITION:iam::ACCOUNT:role/NAME), without wildcards."
  }
}

variable "allow_securityhub_export" {
  type        = bool
  description = "Also allow securityhub:BatchImportFindings into this account's own `default` product, and securityhub:GetFindings and BatchUpdateFindings on its own Security Hub (any region), for `sgc export securityhub` run through the member role (import, then resolve what is gone). The hub's functions never need them."
  default     = false
}

variable "hub_event_bus_arn" {
  type        = string
  description = "ARN of the hub's custom event bus (the hub module's event_bus_arn output) that security-group API events are forwarded to."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/", var.hub_event_bus_arn))
    error_message = "hub_event_bus_arn must be an EventBridge event bus ARN."
  }
}

variable "external_id" {
  type        = string
  description = "The ExternalId the hub presents when it assumes the member role (the hub module's external_id)."
  sensitive   = true

  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/-_."
  }
}

variable "organization_id" {
  type        = string
  description = "AWS Organizations id (o-...); when set, the member role is assumable only by principals of that organization (aws:PrincipalOrgID). Null leaves that condition out."
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abcdefghij."
  }
}

variable "role_name" {
  type        = string
  description = "Name of the member role; the hub's member_role_name must be the same. Also the prefix of the forwarding role and rule names."
  default     = "sgcompliance-member"
}

variable "create_roles" {
  type        = bool
  description = "Create the IAM roles (global). Set to false for the instances of this module in a member account's other regions: they then only add that region's forwarding rule, using the roles of the instance that created them."
  default     = true
}

variable "create_member_role" {
  type        = bool
  description = "Create the member role (with create_roles). False for the hub account itself: it forwards its own events, and the hub's functions read and remediate it with their own role."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource the module creates."
  default     = {}
}

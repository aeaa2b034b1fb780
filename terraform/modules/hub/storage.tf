# The hub bucket: the policy object, backups (before every revoke) and audit records.

resource "aws_s3_bucket" "hub" {
  #checkov:skip=CKV_AWS_18:Access logs would need a second bucket per hub; CloudTrail data events are the audit of this bucket.
  #checkov:skip=CKV_AWS_144:Cross-region replication is the deployer's choice (a second region and key); versioning protects the backups here.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object notifications: the functions read what they wrote.
  bucket        = local.bucket_name
  force_destroy = var.bucket_force_destroy
  # Only at creation; a hub bucket created without it gets Object Lock from the lock
  # configuration below (AWS enables it on an existing versioned bucket), so a change of
  # backup_object_lock_days never replaces the bucket with its backups.
  object_lock_enabled = var.backup_object_lock_days > 0 ? true : null
  tags                = var.tags

  lifecycle {
    ignore_changes = [object_lock_enabled]
  }
}

resource "aws_s3_bucket_ownership_controls" "hub" {
  bucket = aws_s3_bucket.hub.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# A backup that a later write can overwrite silently is not a backup: the code refuses an
# unversioned bucket.
resource "aws_s3_bucket_versioning" "hub" {
  bucket = aws_s3_bucket.hub.id

  versioning_configuration {
    status = "Enabled"
  }
}

# Optional write-once backups: a default retention in GOVERNANCE mode (only principals allowed
# s3:BypassGovernanceRetention, and by the bucket policy only bucket_admin_principal_arns, may
# shorten it or delete a retained version). A default retention covers the whole bucket, so
# audit records (written once anyway) and the policy object's versions are retained as well.
resource "aws_s3_bucket_object_lock_configuration" "hub" {
  count = var.backup_object_lock_days > 0 ? 1 : 0

  bucket              = aws_s3_bucket.hub.id
  object_lock_enabled = "Enabled"

  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = var.backup_object_lock_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.hub]
}

resource "aws_s3_bucket_server_side_encryption_configuration" "hub" {
  bucket = aws_s3_bucket.hub.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.hub.arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "hub" {
  bucket                  = aws_s3_bucket.hub.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "hub" {
  bucket = aws_s3_bucket.hub.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.hub]
}

# The bucket policy: the statements below that are switched on, merged.
resource "aws_s3_bucket_policy" "hub" {
  count = var.bucket_require_tls || var.bucket_restrict_writes || length(var.operator_role_arns) > 0 ? 1 : 0

  bucket = aws_s3_bucket.hub.id
  policy = data.aws_iam_policy_document.bucket_policy.json

  depends_on = [aws_s3_bucket_public_access_block.hub]
}

data "aws_iam_policy_document" "bucket_policy" {
  source_policy_documents = concat(
    var.bucket_require_tls ? [data.aws_iam_policy_document.bucket.json] : [],
    var.bucket_restrict_writes ? [data.aws_iam_policy_document.bucket_writes.json] : [],
    data.aws_iam_policy_document.bucket_operators[*].json,
  )
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.hub.arn, "${aws_s3_bucket.hub.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

locals {
  # Every request that writes, replaces or deletes an object version, or changes what protects
  # it (retention, legal hold, tags, ACLs), replication into the bucket included.
  object_write_actions = [
    "s3:DeleteObject",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectVersionTagging",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionAcl",
    "s3:PutObjectVersionTagging",
    "s3:ReplicateDelete",
    "s3:ReplicateObject",
    "s3:ReplicateTags",
  ]
  # aws:PrincipalArn of a role's session is the role's ARN (with its path).
  bucket_writers = concat(
    [aws_iam_role.functions.arn],
    var.operator_role_arns,
    var.bucket_admin_principal_arns,
  )
}

# Who may change what: backups and audit records only by the functions, the operators and the
# admins; the policy object never by the functions (they only read it); governance retention
# bypassed by the admins alone. Explicit denies: no identity policy of the account overrides them.
data "aws_iam_policy_document" "bucket_writes" {
  statement {
    sid     = "BackupsAndAuditWrittenOnlyByFunctionsOperatorsAdmins"
    effect  = "Deny"
    actions = local.object_write_actions
    resources = [
      "${aws_s3_bucket.hub.arn}/${local.backup_prefix}*",
      "${aws_s3_bucket.hub.arn}/${local.audit_prefix}*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.bucket_writers
    }
  }

  statement {
    sid       = "FunctionsNeverWritePolicy"
    effect    = "Deny"
    actions   = local.object_write_actions
    resources = ["${aws_s3_bucket.hub.arn}/${local.policy_prefix}*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.functions.arn]
    }
  }

  statement {
    sid       = "OnlyAdminsBypassRetention"
    effect    = "Deny"
    actions   = ["s3:BypassGovernanceRetention"]
    resources = ["${aws_s3_bucket.hub.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    # No admins: nobody bypasses (an empty ArnNotLike list is no valid condition).
    dynamic "condition" {
      for_each = length(var.bucket_admin_principal_arns) == 0 ? [] : [var.bucket_admin_principal_arns]
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }
  }
}

# What the operators' sgc CLI does in the hub bucket, granted to their roles (of this account,
# their own policies need only the hub key; of another, these actions as well).
data "aws_iam_policy_document" "bucket_operators" {
  count = length(var.operator_role_arns) > 0 ? 1 : 0

  statement {
    sid     = "OperatorsReadHubObjects"
    effect  = "Allow"
    actions = ["s3:GetObject"]
    resources = [
      "${aws_s3_bucket.hub.arn}/${local.policy_prefix}*",
      "${aws_s3_bucket.hub.arn}/${local.backup_prefix}*",
      "${aws_s3_bucket.hub.arn}/${local.audit_prefix}*",
    ]

    principals {
      type        = "AWS"
      identifiers = var.operator_role_arns
    }
  }

  statement {
    sid       = "OperatorsReadBackupVersions"
    effect    = "Allow"
    actions   = ["s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.hub.arn}/${local.backup_prefix}*"]

    principals {
      type        = "AWS"
      identifiers = var.operator_role_arns
    }
  }

  statement {
    sid     = "OperatorsWriteBackupsAndAudit"
    effect  = "Allow"
    actions = ["s3:PutObject"]
    resources = [
      "${aws_s3_bucket.hub.arn}/${local.backup_prefix}*",
      "${aws_s3_bucket.hub.arn}/${local.audit_prefix}*",
    ]

    principals {
      type        = "AWS"
      identifiers = var.operator_role_arns
    }
  }

  statement {
    sid       = "OperatorsHubBucket"
    effect    = "Allow"
    actions   = ["s3:GetBucketVersioning", "s3:ListBucket"]
    resources = [aws_s3_bucket.hub.arn]

    principals {
      type        = "AWS"
      identifiers = var.operator_role_arns
    }
  }

  statement {
    sid       = "OperatorsListBackupVersions"
    effect    = "Allow"
    actions   = ["s3:ListBucketVersions"]
    resources = [aws_s3_bucket.hub.arn]

    principals {
      type        = "AWS"
      identifiers = var.operator_role_arns
    }

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.backup_prefix}*"]
    }
  }
}

resource "aws_s3_object" "policy" {
  count = var.policy_file == null ? 0 : 1

  bucket       = aws_s3_bucket.hub.id
  key          = local.policy_key
  source       = var.policy_file
  source_hash  = filemd5(var.policy_file)
  content_type = "application/json"
  kms_key_id   = aws_kms_key.hub.arn
  tags         = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.hub]
}

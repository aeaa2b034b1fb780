# The hub bucket: the policy object, backups (before every revoke) and audit records.

resource "aws_s3_bucket" "hub" {
  #checkov:skip=CKV_AWS_18:Access logs would need a second bucket per hub; CloudTrail data events are the audit of this bucket.
  #checkov:skip=CKV_AWS_144:Cross-region replication is the deployer's choice (a second region and key); versioning protects the backups here.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object notifications: the functions read what they wrote.
  bucket        = local.bucket_name
  force_destroy = var.bucket_force_destroy
  tags          = var.tags
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

resource "aws_s3_bucket_policy" "hub" {
  count = var.bucket_require_tls ? 1 : 0

  bucket = aws_s3_bucket.hub.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.hub]
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

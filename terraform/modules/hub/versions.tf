terraform {
  # 1.7 brings mock providers to `terraform test`; 1.9 variable validations that read other
  # variables (lambda_concurrency_quota).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

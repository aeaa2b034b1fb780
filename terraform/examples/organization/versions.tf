terraform {
  required_version = ">= 1.7"

  required_providers {
    # 6.x admitted: its upgrade guide removes nothing these files use; it deprecates
    # data.aws_region's `name` and aws_cloudformation_stack_set_instance's `region` (5.x has no
    # replacement for the latter), which keep working. The tests run the 5.x plugin mirror.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}

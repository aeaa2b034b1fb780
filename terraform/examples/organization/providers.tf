# The default provider is the hub (security) account. Terraform cannot create provider
# configurations in a loop, so the member accounts deployed by Terraform take fixed slots, one
# provider each; add a slot (provider + module block in members.tf) for more accounts, or let
# the StackSet (deploy_members_with_stackset) cover whole OUs instead. Terraform configures a
# slot's provider even when its module has count = 0, so an unused slot assumes no role (it
# then uses the hub account's credentials and creates nothing).

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

provider "aws" {
  alias  = "member_1"
  region = var.region

  dynamic "assume_role" {
    for_each = local.member_deploy_role_arns[0] == null ? [] : [local.member_deploy_role_arns[0]]
    content {
      role_arn     = assume_role.value
      session_name = "sgcompliance-deploy"
    }
  }

  default_tags {
    tags = var.tags
  }
}

provider "aws" {
  alias  = "member_2"
  region = var.region

  dynamic "assume_role" {
    for_each = local.member_deploy_role_arns[1] == null ? [] : [local.member_deploy_role_arns[1]]
    content {
      role_arn     = assume_role.value
      session_name = "sgcompliance-deploy"
    }
  }

  default_tags {
    tags = var.tags
  }
}

provider "aws" {
  alias  = "member_3"
  region = var.region

  dynamic "assume_role" {
    for_each = local.member_deploy_role_arns[2] == null ? [] : [local.member_deploy_role_arns[2]]
    content {
      role_arn     = assume_role.value
      session_name = "sgcompliance-deploy"
    }
  }

  default_tags {
    tags = var.tags
  }
}

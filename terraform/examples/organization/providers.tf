# The default provider is the hub (security) account in its home region. Terraform cannot
# create provider configurations in a loop, so the accounts Terraform deploys the member side to
# take fixed slots, and each slot has one provider per governed region (region slots, home
# region first: local.forwarded_regions): EventBridge delivers an API call's event only in the
# region where it was made, so every governed region needs its own forwarding rule. The hub
# account forwards its own changes the same way (hub_region_N). Add slots (provider + module
# blocks, members.tf) for more accounts or regions, or let the StackSet
# (deploy_members_with_stackset) cover whole OUs and every region instead. Terraform configures
# a slot's provider even when its module has count = 0, so an unused slot assumes no role (it
# then uses the hub account's credentials and creates nothing).

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

provider "aws" {
  alias  = "hub_region_2"
  region = local.forwarded_region_slots[1]

  default_tags {
    tags = var.tags
  }
}

provider "aws" {
  alias  = "hub_region_3"
  region = local.forwarded_region_slots[2]

  default_tags {
    tags = var.tags
  }
}

provider "aws" {
  alias  = "hub_region_4"
  region = local.forwarded_region_slots[3]

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
  alias  = "member_1_region_2"
  region = local.forwarded_region_slots[1]

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
  alias  = "member_1_region_3"
  region = local.forwarded_region_slots[2]

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
  alias  = "member_1_region_4"
  region = local.forwarded_region_slots[3]

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
  alias  = "member_2_region_2"
  region = local.forwarded_region_slots[1]

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
  alias  = "member_2_region_3"
  region = local.forwarded_region_slots[2]

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
  alias  = "member_2_region_4"
  region = local.forwarded_region_slots[3]

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

provider "aws" {
  alias  = "member_3_region_2"
  region = local.forwarded_region_slots[1]

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

provider "aws" {
  alias  = "member_3_region_3"
  region = local.forwarded_region_slots[2]

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

provider "aws" {
  alias  = "member_3_region_4"
  region = local.forwarded_region_slots[3]

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

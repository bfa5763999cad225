provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["333333333333"]

  assume_role {
    role_arn = "arn:aws:iam::333333333333:role/terraform"
  }

  default_tags {
    tags = {
      environment = "prod"
      managed-by  = "pave"
      platform    = "shop"
    }
  }
}

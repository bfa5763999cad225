provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["222222222222"]

  assume_role {
    role_arn = "arn:aws:iam::222222222222:role/terraform"
  }

  default_tags {
    tags = {
      environment = "staging"
      managed-by  = "pave"
      platform    = "shop"
    }
  }
}

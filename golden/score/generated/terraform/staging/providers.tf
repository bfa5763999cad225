provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["666666666666"]

  assume_role {
    role_arn = "arn:aws:iam::666666666666:role/terraform"
  }

  default_tags {
    tags = {
      environment = "staging"
      managed-by  = "pave"
      platform    = "scored"
    }
  }
}

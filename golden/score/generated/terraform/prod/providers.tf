provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["777777777777"]

  assume_role {
    role_arn = "arn:aws:iam::777777777777:role/terraform"
  }

  default_tags {
    tags = {
      environment = "prod"
      managed-by  = "pave"
      platform    = "scored"
    }
  }
}

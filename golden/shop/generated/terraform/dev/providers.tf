provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111111111111"]

  assume_role {
    role_arn = "arn:aws:iam::111111111111:role/terraform"
  }

  default_tags {
    tags = {
      environment = "dev"
      managed-by  = "pave"
      platform    = "shop"
    }
  }
}

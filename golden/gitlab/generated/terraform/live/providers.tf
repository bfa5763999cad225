provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["555555555555"]

  assume_role {
    role_arn = "arn:aws:iam::555555555555:role/terraform"
  }

  default_tags {
    tags = {
      environment = "live"
      managed-by  = "pave"
      platform    = "bank"
    }
  }
}

provider "vault" {}

provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["444444444444"]

  assume_role {
    role_arn = "arn:aws:iam::444444444444:role/terraform"
  }

  default_tags {
    tags = {
      environment = "test"
      managed-by  = "pave"
      platform    = "bank"
    }
  }
}

provider "vault" {}

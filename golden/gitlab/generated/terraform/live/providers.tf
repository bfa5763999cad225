provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["555555555555"]

  default_tags {
    tags = {
      environment = "live"
      managed-by  = "pave"
      platform    = "bank"
    }
  }
}

provider "vault" {}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["222222222222"]

  default_tags {
    tags = {
      environment = "staging"
      managed-by  = "pave"
      platform    = "shop"
    }
  }
}

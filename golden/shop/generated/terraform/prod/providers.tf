provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["333333333333"]

  default_tags {
    tags = {
      environment = "prod"
      managed-by  = "pave"
      platform    = "shop"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["555555555555"]

  default_tags {
    tags = {
      environment = "prod"
      managed-by  = "pave"
      platform    = "works"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111111111111"]

  default_tags {
    tags = {
      environment = "dev"
      managed-by  = "pave"
      platform    = "shop"
    }
  }
}

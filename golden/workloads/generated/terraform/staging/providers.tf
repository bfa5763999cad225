provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["444444444444"]

  default_tags {
    tags = {
      environment = "staging"
      managed-by  = "pave"
      platform    = "works"
    }
  }
}

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    vault = {
      source  = "hashicorp/vault"
      version = "~> 5.0"
    }
  }

  backend "s3" {
    bucket         = "bank-tfstate"
    key            = "bank/live/terraform.tfstate"
    region         = "eu-central-1"
    encrypt        = true
    dynamodb_table = "bank-tf-locks"
  }
}

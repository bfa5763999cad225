module "checkout_db" {
  source                      = "terraform-aws-modules/rds/aws"
  version                     = "~> 6.10"
  identifier                  = "shop-prod-checkout-db"
  engine                      = "postgres"
  engine_version              = "16"
  family                      = "postgres16"
  major_engine_version        = "16"
  instance_class              = "db.m7g.2xlarge"
  allocated_storage           = 100
  db_name                     = "app"
  username                    = "app_owner"
  manage_master_user_password = true
  storage_encrypted           = true
  multi_az                    = true
  deletion_protection         = true
  backup_retention_period     = 14
  skip_final_snapshot         = false
  tags = {
    service = "checkout"
  }
}

resource "aws_secretsmanager_secret" "checkout_db" {
  name                    = "shop/prod/checkout/db"
  recovery_window_in_days = 30
  tags = {
    service = "checkout"
  }
}

resource "aws_secretsmanager_secret_version" "checkout_db" {
  secret_id     = aws_secretsmanager_secret.checkout_db.id
  secret_string = jsonencode({ host = module.checkout_db.db_instance_address, username = module.checkout_db.db_instance_username, url = "postgresql://${module.checkout_db.db_instance_endpoint}/${module.checkout_db.db_instance_name}" })
}

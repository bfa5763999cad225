module "checkout_db" {
  source                      = "terraform-aws-modules/rds/aws"
  version                     = "~> 6.10"
  identifier                  = "shop-dev-checkout-db"
  engine                      = "postgres"
  engine_version              = "16"
  family                      = "postgres16"
  major_engine_version        = "16"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  db_name                     = "app"
  username                    = "app_owner"
  manage_master_user_password = true
  storage_encrypted           = true
  multi_az                    = false
  deletion_protection         = false
  backup_retention_period     = 1
  skip_final_snapshot         = true
  tags = {
    service = "checkout"
  }
}

resource "aws_secretsmanager_secret" "checkout_db" {
  name                    = "shop/dev/checkout/db"
  recovery_window_in_days = 0
  tags = {
    service = "checkout"
  }
}

resource "aws_secretsmanager_secret_version" "checkout_db" {
  secret_id     = aws_secretsmanager_secret.checkout_db.id
  secret_string = jsonencode({ host = module.checkout_db.db_instance_address, username = module.checkout_db.db_instance_username, url = "postgresql://${module.checkout_db.db_instance_endpoint}/${module.checkout_db.db_instance_name}" })
}

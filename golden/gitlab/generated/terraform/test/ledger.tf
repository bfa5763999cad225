module "ledger_db" {
  source                      = "terraform-aws-modules/rds/aws"
  version                     = "~> 6.10"
  identifier                  = "bank-test-ledger-db"
  engine                      = "postgres"
  engine_version              = "16"
  family                      = "postgres16"
  major_engine_version        = "16"
  instance_class              = "db.m7g.large"
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
    service = "ledger"
  }
}

resource "aws_secretsmanager_secret" "ledger_db" {
  name                    = "bank/test/ledger/db"
  recovery_window_in_days = 0
  tags = {
    service = "ledger"
  }
}

resource "aws_secretsmanager_secret_version" "ledger_db" {
  secret_id     = aws_secretsmanager_secret.ledger_db.id
  secret_string = jsonencode({ host = module.ledger_db.db_instance_address, username = module.ledger_db.db_instance_username, url = "postgresql://${module.ledger_db.db_instance_endpoint}/${module.ledger_db.db_instance_name}" })
}

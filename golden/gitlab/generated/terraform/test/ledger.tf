resource "aws_security_group" "ledger_db" {
  name_prefix = "bank-test-ledger-db-"
  description = "db of ledger: clients on port 5432"
  vpc_id      = "vpc-0b1c2d3e4f5a60001"
  tags = {
    service = "ledger"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "ledger_db" {
  security_group_id            = aws_security_group.ledger_db.id
  referenced_security_group_id = "sg-0b1c2d3e4f5a60021"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "The cluster's workloads"
}

resource "random_password" "ledger_db_password" {
  length           = 32
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

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
  manage_master_user_password = false
  password                    = random_password.ledger_db_password.result
  create_db_subnet_group      = true
  subnet_ids                  = ["subnet-0b1c2d3e4f5a60011", "subnet-0b1c2d3e4f5a60012"]
  storage_encrypted           = true
  multi_az                    = false
  deletion_protection         = false
  backup_retention_period     = 1
  skip_final_snapshot         = true
  vpc_security_group_ids      = [aws_security_group.ledger_db.id]
  tags = {
    service = "ledger"
  }
}

resource "vault_kv_secret_v2" "ledger_db" {
  mount     = "kv"
  name      = "bank/test/ledger/db"
  data_json = jsonencode({ host = module.ledger_db.db_instance_address, username = module.ledger_db.db_instance_username, password = random_password.ledger_db_password.result })
}

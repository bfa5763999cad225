resource "aws_security_group" "storefront_db" {
  name_prefix = "scored-staging-storefront-db-"
  description = "db of storefront: clients on port 5432"
  vpc_id      = "vpc-0b1c2d3e4f5a60001"
  tags = {
    service = "storefront"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "storefront_db" {
  security_group_id            = aws_security_group.storefront_db.id
  referenced_security_group_id = "sg-0b1c2d3e4f5a60021"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "The cluster's workloads"
}

resource "random_password" "storefront_db_password" {
  length           = 32
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

module "storefront_db" {
  source                      = "terraform-aws-modules/rds/aws"
  version                     = "~> 6.10"
  identifier                  = "scored-staging-storefront-db"
  engine                      = "postgres"
  engine_version              = "16"
  family                      = "postgres16"
  major_engine_version        = "16"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  db_name                     = "app"
  username                    = "app_owner"
  manage_master_user_password = false
  password                    = random_password.storefront_db_password.result
  create_db_subnet_group      = true
  subnet_ids                  = ["subnet-0b1c2d3e4f5a60011", "subnet-0b1c2d3e4f5a60012"]
  storage_encrypted           = true
  multi_az                    = false
  deletion_protection         = false
  backup_retention_period     = 1
  skip_final_snapshot         = true
  vpc_security_group_ids      = [aws_security_group.storefront_db.id]
  tags = {
    service = "storefront"
  }
}

resource "aws_secretsmanager_secret" "storefront_db" {
  name                    = "scored/staging/storefront/db"
  recovery_window_in_days = 0
  tags = {
    service = "storefront"
  }
}

resource "aws_secretsmanager_secret_version" "storefront_db" {
  secret_id     = aws_secretsmanager_secret.storefront_db.id
  secret_string = jsonencode({ host = module.storefront_db.db_instance_address, username = module.storefront_db.db_instance_username, password = random_password.storefront_db_password.result })
}

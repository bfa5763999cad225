resource "aws_security_group" "checkout_db" {
  name_prefix = "shop-staging-checkout-db-"
  description = "db of checkout: clients on port 5432"
  vpc_id      = "vpc-0a1b2c3d4e5f60002"
  tags = {
    service = "checkout"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "checkout_db" {
  security_group_id            = aws_security_group.checkout_db.id
  referenced_security_group_id = "sg-0a1b2c3d4e5f60041"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "The cluster's workloads"
}

resource "random_password" "checkout_db_password" {
  length           = 32
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

module "checkout_db" {
  source                      = "terraform-aws-modules/rds/aws"
  version                     = "~> 6.10"
  identifier                  = "shop-staging-checkout-db"
  engine                      = "postgres"
  engine_version              = "16"
  family                      = "postgres16"
  major_engine_version        = "16"
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  db_name                     = "app"
  username                    = "app_owner"
  manage_master_user_password = false
  password                    = random_password.checkout_db_password.result
  create_db_subnet_group      = true
  subnet_ids                  = ["subnet-0a1b2c3d4e5f60031", "subnet-0a1b2c3d4e5f60032"]
  storage_encrypted           = true
  multi_az                    = false
  deletion_protection         = false
  backup_retention_period     = 1
  skip_final_snapshot         = true
  vpc_security_group_ids      = [aws_security_group.checkout_db.id]
  tags = {
    service = "checkout"
  }
}

resource "aws_secretsmanager_secret" "checkout_db" {
  name                    = "shop/staging/checkout/db"
  recovery_window_in_days = 0
  tags = {
    service = "checkout"
  }
}

resource "aws_secretsmanager_secret_version" "checkout_db" {
  secret_id     = aws_secretsmanager_secret.checkout_db.id
  secret_string = jsonencode({ host = module.checkout_db.db_instance_address, username = module.checkout_db.db_instance_username, password = random_password.checkout_db_password.result })
}

resource "random_password" "cart_sessions_token" {
  length           = 64
  special          = true
  override_special = "!&#$^<>-"
}

module "cart_sessions" {
  source                     = "terraform-aws-modules/elasticache/aws"
  version                    = "~> 1.4"
  replication_group_id       = "shop-staging-cart-sessions"
  engine                     = "valkey"
  engine_version             = "8.0"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 1
  multi_az_enabled           = false
  automatic_failover_enabled = false
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = random_password.cart_sessions_token.result
  auth_token_update_strategy = "ROTATE"
  subnet_ids                 = ["subnet-0a1b2c3d4e5f60031", "subnet-0a1b2c3d4e5f60032"]
  vpc_id                     = "vpc-0a1b2c3d4e5f60002"
  security_group_rules = {
    ingress_clients = {
      description                  = "The cluster's workloads"
      referenced_security_group_id = "sg-0a1b2c3d4e5f60041"
    }
  }
  tags = {
    service = "cart"
  }
}

resource "aws_secretsmanager_secret" "cart_sessions" {
  name                    = "shop/staging/cart/sessions"
  recovery_window_in_days = 0
  tags = {
    service = "cart"
  }
}

resource "aws_secretsmanager_secret_version" "cart_sessions" {
  secret_id     = aws_secretsmanager_secret.cart_sessions.id
  secret_string = jsonencode({ host = module.cart_sessions.replication_group_primary_endpoint_address, password = random_password.cart_sessions_token.result })
}

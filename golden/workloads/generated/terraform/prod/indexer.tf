module "indexer_orders" {
  source     = "terraform-aws-modules/sqs/aws"
  version    = "~> 4.2"
  name       = "works-prod-indexer-orders"
  fifo_queue = false
  create_dlq = true
  redrive_policy = {
    maxReceiveCount = 5
  }
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags = {
    service = "indexer"
  }
}

resource "aws_secretsmanager_secret" "indexer_orders" {
  name                    = "works/prod/indexer/orders"
  recovery_window_in_days = 30
  tags = {
    service = "indexer"
  }
}

resource "aws_secretsmanager_secret_version" "indexer_orders" {
  secret_id     = aws_secretsmanager_secret.indexer_orders.id
  secret_string = jsonencode({ url = module.indexer_orders.queue_url, arn = module.indexer_orders.queue_arn, name = module.indexer_orders.queue_name })
}

resource "aws_iam_role" "indexer" {
  name               = "works-prod-indexer"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:${data.aws_partition.current.partition}:iam::555555555555:oidc-provider/${local.oidc_issuer}" }, Condition = { StringEquals = { "${local.oidc_issuer}:sub" = "system:serviceaccount:indexer:indexer", "${local.oidc_issuer}:aud" = "sts.amazonaws.com" } } }, { Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:${data.aws_partition.current.partition}:iam::555555555555:oidc-provider/${local.oidc_issuer}" }, Condition = { StringEquals = { "${local.oidc_issuer}:sub" = "system:serviceaccount:keda:keda-operator", "${local.oidc_issuer}:aud" = "sts.amazonaws.com" } } }] })
  tags = {
    service = "indexer"
  }
}

resource "aws_iam_role_policy" "indexer" {
  name   = "needs"
  role   = aws_iam_role.indexer.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], Resource = [module.indexer_orders.queue_arn] }] })
}

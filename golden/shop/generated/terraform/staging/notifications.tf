module "notifications_outbox" {
  source     = "terraform-aws-modules/sqs/aws"
  version    = "~> 4.2"
  name       = "shop-staging-notifications-outbox"
  fifo_queue = false
  create_dlq = true
  redrive_policy = {
    maxReceiveCount = 10
  }
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 345600
  tags = {
    service = "notifications"
  }
}

resource "aws_secretsmanager_secret" "notifications_outbox" {
  name                    = "shop/staging/notifications/outbox"
  recovery_window_in_days = 0
  tags = {
    service = "notifications"
  }
}

resource "aws_secretsmanager_secret_version" "notifications_outbox" {
  secret_id     = aws_secretsmanager_secret.notifications_outbox.id
  secret_string = jsonencode({ url = module.notifications_outbox.queue_url, arn = module.notifications_outbox.queue_arn, name = module.notifications_outbox.queue_name })
}

resource "aws_iam_role" "notifications" {
  name               = "shop-staging-notifications"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:${data.aws_partition.current.partition}:iam::222222222222:oidc-provider/${local.oidc_issuer}" }, Condition = { StringEquals = { "${local.oidc_issuer}:sub" = "system:serviceaccount:notifications:notifications", "${local.oidc_issuer}:aud" = "sts.amazonaws.com" } } }] })
  tags = {
    service = "notifications"
  }
}

resource "aws_iam_role_policy" "notifications" {
  name   = "needs"
  role   = aws_iam_role.notifications.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], Resource = [module.notifications_outbox.queue_arn] }] })
}

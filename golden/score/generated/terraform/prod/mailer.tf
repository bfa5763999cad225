module "mailer_outbox" {
  source     = "terraform-aws-modules/sqs/aws"
  version    = "~> 4.2"
  name       = "scored-prod-mailer-outbox"
  fifo_queue = false
  create_dlq = true
  redrive_policy = {
    maxReceiveCount = 5
  }
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags = {
    service = "mailer"
  }
}

resource "aws_secretsmanager_secret" "mailer_outbox" {
  name                    = "scored/prod/mailer/outbox"
  recovery_window_in_days = 30
  tags = {
    service = "mailer"
  }
}

resource "aws_secretsmanager_secret_version" "mailer_outbox" {
  secret_id     = aws_secretsmanager_secret.mailer_outbox.id
  secret_string = jsonencode({ url = module.mailer_outbox.queue_url, arn = module.mailer_outbox.queue_arn, name = module.mailer_outbox.queue_name })
}

resource "aws_iam_role" "mailer" {
  name               = "scored-prod-mailer"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:${data.aws_partition.current.partition}:iam::777777777777:oidc-provider/${local.oidc_issuer}" }, Condition = { StringEquals = { "${local.oidc_issuer}:sub" = "system:serviceaccount:mailer:mailer", "${local.oidc_issuer}:aud" = "sts.amazonaws.com" } } }] })
  tags = {
    service = "mailer"
  }
}

resource "aws_iam_role_policy" "mailer" {
  name   = "needs"
  role   = aws_iam_role.mailer.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], Resource = [module.mailer_outbox.queue_arn] }] })
}

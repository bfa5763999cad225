output "mailer_outbox_secret_arn" {
  description = "Secret holding the outputs of `outbox` of mailer"
  value       = aws_secretsmanager_secret.mailer_outbox.arn
}

output "mailer_role_arn" {
  description = "IAM role of the mailer service account"
  value       = aws_iam_role.mailer.arn
}

output "storefront_db_secret_arn" {
  description = "Secret holding the outputs of `db` of storefront"
  value       = aws_secretsmanager_secret.storefront_db.arn
}

output "cart_sessions_secret_arn" {
  description = "Secret holding the outputs of `sessions` of cart"
  value       = aws_secretsmanager_secret.cart_sessions.arn
}

output "catalog_images_secret_arn" {
  description = "Secret holding the outputs of `images` of catalog"
  value       = aws_secretsmanager_secret.catalog_images.arn
}

output "catalog_role_arn" {
  description = "IAM role of the catalog service account"
  value       = aws_iam_role.catalog.arn
}

output "checkout_db_secret_arn" {
  description = "Secret holding the outputs of `db` of checkout"
  value       = aws_secretsmanager_secret.checkout_db.arn
}

output "notifications_outbox_secret_arn" {
  description = "Secret holding the outputs of `outbox` of notifications"
  value       = aws_secretsmanager_secret.notifications_outbox.arn
}

output "notifications_role_arn" {
  description = "IAM role of the notifications service account"
  value       = aws_iam_role.notifications.arn
}

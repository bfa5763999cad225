output "indexer_orders_secret_arn" {
  description = "Secret holding the outputs of `orders` of indexer"
  value       = aws_secretsmanager_secret.indexer_orders.arn
}

output "indexer_role_arn" {
  description = "IAM role of the indexer service account"
  value       = aws_iam_role.indexer.arn
}

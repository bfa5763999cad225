output "ledger_db_secret_arn" {
  description = "Secret holding the outputs of `db` of ledger"
  value       = aws_secretsmanager_secret.ledger_db.arn
}

output "statements_archive_secret_arn" {
  description = "Secret holding the outputs of `archive` of statements"
  value       = aws_secretsmanager_secret.statements_archive.arn
}

output "statements_role_arn" {
  description = "IAM role of the statements service account"
  value       = aws_iam_role.statements.arn
}

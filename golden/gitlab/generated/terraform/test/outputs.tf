output "ledger_db_secret_path" {
  description = "Secret holding the outputs of `db` of ledger"
  value       = vault_kv_secret_v2.ledger_db.path
}

output "statements_archive_secret_path" {
  description = "Secret holding the outputs of `archive` of statements"
  value       = vault_kv_secret_v2.statements_archive.path
}

output "statements_role_arn" {
  description = "IAM role of the statements service account"
  value       = aws_iam_role.statements.arn
}

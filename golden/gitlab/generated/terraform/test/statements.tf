module "statements_archive" {
  source        = "terraform-aws-modules/s3-bucket/aws"
  version       = "~> 4.2"
  bucket        = "bank-test-statements-archive"
  force_destroy = true
  versioning = {
    enabled = true
  }
  block_public_acls        = true
  block_public_policy      = true
  ignore_public_acls       = true
  restrict_public_buckets  = true
  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"
  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm = "aws:kms"
      }
    }
  }
  tags = {
    service = "statements"
  }
}

resource "vault_kv_secret_v2" "statements_archive" {
  mount     = "kv"
  name      = "bank/test/statements/archive"
  data_json = jsonencode({ name = module.statements_archive.s3_bucket_id, arn = module.statements_archive.s3_bucket_arn })
}

resource "aws_iam_role" "statements" {
  name               = "bank-test-statements"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:${data.aws_partition.current.partition}:iam::444444444444:oidc-provider/${local.oidc_issuer}" }, Condition = { StringEquals = { "${local.oidc_issuer}:sub" = "system:serviceaccount:statements:statements", "${local.oidc_issuer}:aud" = "sts.amazonaws.com" } } }] })
  tags = {
    service = "statements"
  }
}

resource "aws_iam_role_policy" "statements" {
  name   = "needs"
  role   = aws_iam_role.statements.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:ListBucket"], Resource = [module.statements_archive.s3_bucket_arn] }, { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = ["${module.statements_archive.s3_bucket_arn}/*"] }] })
}

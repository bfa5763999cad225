module "catalog_images" {
  source        = "terraform-aws-modules/s3-bucket/aws"
  version       = "~> 4.2"
  bucket        = "shop-prod-catalog-images"
  force_destroy = false
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
    service = "catalog"
  }
}

resource "aws_secretsmanager_secret" "catalog_images" {
  name                    = "shop/prod/catalog/images"
  recovery_window_in_days = 30
  tags = {
    service = "catalog"
  }
}

resource "aws_secretsmanager_secret_version" "catalog_images" {
  secret_id     = aws_secretsmanager_secret.catalog_images.id
  secret_string = jsonencode({ name = module.catalog_images.s3_bucket_id, arn = module.catalog_images.s3_bucket_arn })
}

resource "aws_iam_role" "catalog" {
  name               = "shop-prod-catalog"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:${data.aws_partition.current.partition}:iam::333333333333:oidc-provider/${local.oidc_issuer}" }, Condition = { StringEquals = { "${local.oidc_issuer}:sub" = "system:serviceaccount:shop-catalog:catalog", "${local.oidc_issuer}:aud" = "sts.amazonaws.com" } } }] })
  tags = {
    service = "catalog"
  }
}

resource "aws_iam_role_policy" "catalog" {
  name   = "needs"
  role   = aws_iam_role.catalog.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:ListBucket"], Resource = [module.catalog_images.s3_bucket_arn] }, { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = ["${module.catalog_images.s3_bucket_arn}/*"] }] })
}

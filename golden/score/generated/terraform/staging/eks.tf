data "aws_partition" "current" {}

data "aws_eks_cluster" "this" {
  name = "staging-eu1"
}

locals {
  oidc_issuer = replace(data.aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
}

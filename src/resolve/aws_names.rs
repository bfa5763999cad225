//! The AWS physical names pave builds, checked against each AWS service's naming rules
//! at compile time, so a name over its limit is an error at the service's file and
//! never a `terraform plan` surprise.
//!
//! pave reports rather than shortens: a physical name is the resource's identity, and
//! changing it later replaces the resource (and its data). The rules come from the AWS
//! service models (botocore `service-2.json`) and the S3 bucket naming rules; which
//! argument of a registry module is a physical name, and which names a module derives
//! from it, from the modules' sources at the pinned versions.

use indexmap::IndexMap;
use serde_json::Value;

use super::module::Argument;

/// A kind of AWS physical name, each with its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    S3Bucket,
    SqsQueue,
    RdsInstance,
    RdsMasterUser,
    ElastiCacheGroup,
    IamRole,
    Secret,
    /// The `name_prefix` of an `aws_security_group` (Terraform appends 26 characters).
    SecurityGroupPrefix,
}

/// The limits of one kind.
struct Rule {
    /// What the name is, for messages.
    what: &'static str,
    min: usize,
    max: usize,
    /// The characters allowed, tested one by one, and how messages describe them.
    allowed: fn(char) -> bool,
    charset: &'static str,
    first_letter: bool,
    /// No `--` and no trailing `-` (RDS, ElastiCache).
    hyphen_rules: bool,
}

impl NameKind {
    fn rule(self) -> Rule {
        let alnum_hyphen = |c: char| c.is_ascii_alphanumeric() || c == '-';
        match self {
            NameKind::S3Bucket => Rule {
                what: "S3 bucket name",
                min: 3,
                max: 63,
                allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-',
                charset: "lowercase letters, digits, `.` and `-`",
                first_letter: false,
                hyphen_rules: false,
            },
            NameKind::SqsQueue => Rule {
                what: "SQS queue name",
                min: 1,
                max: 80,
                allowed: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
                charset: "letters, digits, `-` and `_` (and a final `.fifo`)",
                first_letter: false,
                hyphen_rules: false,
            },
            NameKind::RdsInstance => Rule {
                what: "RDS instance identifier",
                min: 1,
                max: 63,
                allowed: alnum_hyphen,
                charset: "letters, digits and `-`",
                first_letter: true,
                hyphen_rules: true,
            },
            NameKind::RdsMasterUser => Rule {
                what: "RDS master user name",
                min: 1,
                max: 16,
                allowed: |c| c.is_ascii_alphanumeric() || c == '_',
                charset: "letters, digits and `_`",
                first_letter: true,
                hyphen_rules: false,
            },
            NameKind::ElastiCacheGroup => Rule {
                what: "ElastiCache replication group id",
                min: 1,
                max: 40,
                allowed: alnum_hyphen,
                charset: "letters, digits and `-`",
                first_letter: true,
                hyphen_rules: true,
            },
            NameKind::IamRole => Rule {
                what: "IAM role name",
                min: 1,
                max: 64,
                allowed: |c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c),
                charset: "letters, digits and `+=,.@_-`",
                first_letter: false,
                hyphen_rules: false,
            },
            NameKind::Secret => Rule {
                what: "Secrets Manager secret name",
                min: 1,
                max: 512,
                allowed: |c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c),
                charset: "letters, digits and `/_+=.@-`",
                first_letter: false,
                hyphen_rules: false,
            },
            // EC2 allows 255 characters; the aws provider takes 26 for the unique
            // suffix it appends to a `name_prefix`.
            NameKind::SecurityGroupPrefix => Rule {
                what: "security group name prefix",
                min: 1,
                max: 229,
                allowed: |c| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c),
                charset: "letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*`",
                first_letter: false,
                hyphen_rules: false,
            },
        }
    }

    /// What the name is, for messages (`S3 bucket name`).
    pub(crate) fn what(self) -> &'static str {
        self.rule().what
    }

    /// The longest name AWS accepts.
    pub(crate) fn max(self) -> usize {
        self.rule().max
    }
}

/// Every rule `name` breaks, worded for a message; empty when AWS accepts it.
pub(crate) fn problems(kind: NameKind, name: &str) -> Vec<String> {
    let rule = kind.rule();
    let mut out = Vec::new();
    let len = name.chars().count();
    if len > rule.max {
        out.push(format!("{len} characters, at most {} allowed", rule.max));
    }
    if len < rule.min {
        out.push(format!("{len} characters, at least {} needed", rule.min));
    }
    let body = match kind {
        NameKind::SqsQueue => name.strip_suffix(".fifo").unwrap_or(name),
        _ => name,
    };
    let mut bad: Vec<char> = body.chars().filter(|c| !(rule.allowed)(*c)).collect();
    bad.dedup();
    if !bad.is_empty() {
        let shown: String = bad
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(format!("{shown} not allowed (only {})", rule.charset));
    }
    if rule.first_letter && !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.push("must begin with a letter".into());
    }
    if rule.hyphen_rules && name.contains("--") {
        out.push("must not contain `--`".into());
    }
    if rule.hyphen_rules && name.ends_with('-') {
        out.push("must not end with `-`".into());
    }
    out.extend(special(kind, name));
    out
}

/// Rules of one kind beyond length, characters and hyphens.
fn special(kind: NameKind, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        NameKind::S3Bucket => {
            let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            if !edge(name.chars().next()) || !edge(name.chars().last()) {
                out.push("must begin and end with a letter or digit".into());
            }
            if name.contains("..") {
                out.push("must not contain `..`".into());
            }
            if let Some(p) = ["xn--", "sthree-", "amzn-s3-demo-"]
                .iter()
                .find(|p| name.starts_with(**p))
            {
                out.push(format!("must not begin with `{p}`"));
            }
            if let Some(s) = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
                .iter()
                .find(|s| name.ends_with(**s))
            {
                out.push(format!("must not end with `{s}`"));
            }
        }
        NameKind::SecurityGroupPrefix if name.to_ascii_lowercase().starts_with("sg-") => {
            out.push("must not begin with `sg-`".into());
        }
        // Secrets Manager appends `-` and six characters to a secret's ARN; a name that
        // already ends that way makes the ARN ambiguous.
        NameKind::Secret => {
            let tail: Vec<char> = name.chars().rev().take(7).collect();
            if tail.len() == 7 && tail[6] == '-' {
                out.push("must not end with `-` and six characters".into());
            }
        }
        _ => {}
    }
    out
}

/// The physical names a registry module creates from its arguments, with the
/// argument each comes from. Modules from other sources are not known, so their
/// names are not checked.
pub(crate) fn module_names(
    source: &str,
    args: &IndexMap<String, Argument>,
) -> Vec<(NameKind, &'static str, String)> {
    let value = |name: &str| args.get(name).and_then(Argument::as_value);
    let text = |name: &str| value(name).and_then(Value::as_str).map(str::to_string);
    let flag = |name: &str| value(name).and_then(Value::as_bool).unwrap_or(false);
    let mut out = Vec::new();
    let mut push = |kind, arg: &'static str, name: Option<String>| {
        if let Some(name) = name {
            out.push((kind, arg, name));
        }
    };
    match source {
        "terraform-aws-modules/rds/aws" => {
            push(NameKind::RdsInstance, "identifier", text("identifier"));
            push(NameKind::RdsMasterUser, "username", text("username"));
        }
        "terraform-aws-modules/elasticache/aws" => push(
            NameKind::ElastiCacheGroup,
            "replication_group_id",
            text("replication_group_id"),
        ),
        "terraform-aws-modules/s3-bucket/aws" => push(NameKind::S3Bucket, "bucket", text("bucket")),
        "terraform-aws-modules/sqs/aws" => {
            // The module appends `.fifo` to a FIFO queue's name and names the
            // dead-letter queue `<name>-dlq` (`.fifo` again for FIFO).
            let fifo = flag("fifo_queue");
            let suffix = if fifo { ".fifo" } else { "" };
            let base = text("name").map(|n| match fifo {
                true => n.strip_suffix(".fifo").unwrap_or(&n).to_string(),
                false => n,
            });
            push(
                NameKind::SqsQueue,
                "name",
                base.as_ref().map(|b| format!("{b}{suffix}")),
            );
            if flag("create_dlq") {
                let dlq = text("dlq_name").or_else(|| text("name").map(|n| format!("{n}-dlq")));
                let dlq = dlq.map(|d| match fifo {
                    true => format!("{}.fifo", d.strip_suffix(".fifo").unwrap_or(&d)),
                    false => d,
                });
                push(NameKind::SqsQueue, "name", dlq);
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> IndexMap<String, Argument> {
        let map: IndexMap<String, Value> = serde_json::from_value(v).unwrap();
        map.into_iter()
            .map(|(k, v)| (k, Argument::Value(v)))
            .collect()
    }

    #[test]
    fn names_within_the_rules_pass() {
        assert!(problems(NameKind::S3Bucket, "shop-prod-catalog-images").is_empty());
        assert!(problems(NameKind::SqsQueue, "shop-prod-jobs.fifo").is_empty());
        assert!(problems(NameKind::RdsInstance, "shop-prod-checkout-db").is_empty());
        assert!(problems(NameKind::RdsMasterUser, "app_owner").is_empty());
        assert!(problems(NameKind::IamRole, "shop-prod-checkout").is_empty());
        assert!(problems(NameKind::Secret, "shop/prod/checkout/db").is_empty());
        assert!(problems(NameKind::SecurityGroupPrefix, "shop-prod-checkout-db-").is_empty());
    }

    #[test]
    fn a_security_group_prefix_leaves_room_for_the_suffix() {
        let long = format!("shop-prod-{}-db-", "a".repeat(216));
        assert_eq!(long.len(), 230);
        assert_eq!(
            problems(NameKind::SecurityGroupPrefix, &long),
            ["230 characters, at most 229 allowed"]
        );
        assert_eq!(
            problems(NameKind::SecurityGroupPrefix, "sg-prod-api-db-"),
            ["must not begin with `sg-`"]
        );
        assert_eq!(
            problems(NameKind::SecurityGroupPrefix, "shop-prod-api-db-\u{e9}"),
            ["`\u{e9}` not allowed (only letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*`)"]
        );
    }

    #[test]
    fn each_limit_is_reported_with_the_length() {
        let long = "shop-prod-customer-notification-preferences-uploads-archive";
        assert_eq!(
            problems(NameKind::ElastiCacheGroup, long),
            ["59 characters, at most 40 allowed"]
        );
        assert_eq!(
            problems(NameKind::S3Bucket, &"a".repeat(64)),
            ["64 characters, at most 63 allowed"]
        );
        assert_eq!(
            problems(NameKind::IamRole, &"r".repeat(65)),
            ["65 characters, at most 64 allowed"]
        );
        assert_eq!(
            problems(NameKind::RdsMasterUser, "inventory_db_owner"),
            ["18 characters, at most 16 allowed"]
        );
        assert_eq!(problems(NameKind::SqsQueue, &"q".repeat(81)).len(), 1);
    }

    #[test]
    fn characters_starts_and_hyphens_are_checked() {
        assert_eq!(
            problems(NameKind::S3Bucket, "acme-dev-api-my_files"),
            ["`_` not allowed (only lowercase letters, digits, `.` and `-`)"]
        );
        assert_eq!(
            problems(NameKind::RdsInstance, "1db--x-"),
            [
                "must begin with a letter",
                "must not contain `--`",
                "must not end with `-`"
            ]
        );
        assert_eq!(
            problems(NameKind::S3Bucket, "xn--abc"),
            ["must not begin with `xn--`"]
        );
        assert_eq!(
            problems(NameKind::Secret, "acme/dev/api/x-abcdef"),
            ["must not end with `-` and six characters"]
        );
        assert_eq!(problems(NameKind::SqsQueue, "a.b").len(), 1);
    }

    #[test]
    fn a_fifo_queue_and_its_dead_letter_queue_are_both_checked() {
        let names = module_names(
            "terraform-aws-modules/sqs/aws",
            &args(json!({ "name": "acme-dev-api-jobs", "fifo_queue": true, "create_dlq": true })),
        );
        let names: Vec<&str> = names.iter().map(|(_, _, n)| n.as_str()).collect();
        assert_eq!(
            names,
            ["acme-dev-api-jobs.fifo", "acme-dev-api-jobs-dlq.fifo"]
        );
        assert!(module_names("acme/other/aws", &args(json!({ "name": "x" }))).is_empty());
    }
}

//! Stable diagnostic codes.
//!
//! Codes are part of pave's public contract: users search for them and CI
//! annotations show them. Never renumber; add new codes at the end of a family.
//! `E01xx` load, `E02xx` schema, `E03xx` policy, `E04xx` check/emit, `E05xx` resolve.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Code {
    /// A file could not be read.
    E0101,
    /// A file is not valid UTF-8.
    E0102,
    /// A YAML syntax error.
    E0103,
    /// A key appears twice in one mapping.
    E0104,
    /// A file is empty or holds no document.
    E0105,
    /// The platform file is missing.
    E0106,
    /// A file holds more than one YAML document.
    E0107,
    /// A YAML feature pave does not accept (tags, anchors of mappings as keys, non-string keys).
    E0108,
    /// Collections nest deeper than the loader accepts.
    E0109,
    /// A number that does not survive as a 64-bit value (overflow, infinity, lost digits).
    E0110,
    /// An input file or folder is a symbolic link (links are never followed).
    E0111,
    /// An entry in an input folder that pave does not read (unknown file, wrong-case extension, sub-folder).
    E0112,
    /// One input has several files (e.g. `platform.yaml` and `platform.kdl`).
    E0113,
    /// The repository root given to a command is not a folder.
    E0114,
    /// Warnings were found and `--deny-warnings` turns them into a failure.
    E0115,
    /// `--env`, `--service` or `explain SERVICE` names an environment or service the platform does not have.
    E0116,
    /// An option is not valid for this command (e.g. `--format dot` outside `pave graph`).
    E0117,
    /// `pave init` or `pave new` would overwrite a file, or the new service's name is not a
    /// DNS-1123 label, or its owner or image would not pass the service schema.
    E0118,
    /// `pave init` or `pave new` could not write its files.
    E0119,
    /// A value does not match the schema (type, enum, range, pattern).
    E0201,
    /// A field the schema does not know.
    E0202,
    /// A required field is missing.
    E0203,
    /// A CI provider is on but `targets.ci.install` is missing.
    E0220,
    /// `targets.ci.install` has a field without its partner (`url` without `sha256`,
    /// `git` without `rev`, or the reverse).
    E0221,
    /// `targets.ci.install` mixes the fields of two install forms.
    E0222,
    /// Images are pushed to ECR but CI has no OIDC role (`targets.ci.aws_role`).
    E0223,
    /// A registry declared `kind: ecr` whose host does not name an ECR region.
    E0224,
    /// GitLab: a service has `build.test` but no `build.image` to run it in.
    E0225,
    /// CI plans and applies Terraform, and an environment has no IAM role for it.
    E0226,
    /// The platform's `output` folder is an input (`services/`, `policies/`, `modules/`, a
    /// platform file) or a file another target writes (`atlantis.yaml`).
    E0227,
    /// A policy violation.
    E0301,
    /// A policy's expression or template is invalid or does not evaluate to a boolean.
    E0302,
    /// Two policies share one id.
    E0303,
    /// An exception is expired, or names an unknown or non-waivable policy, service or environment.
    E0304,
    /// An exception waives nothing.
    E0305,
    /// An exception expires soon (`pave lint`).
    E0306,
    /// `policies.packs` names an unknown built-in pack.
    E0307,
    /// `policies.rules` names an unknown policy or environment.
    E0308,
    /// A policy's expression or template exceeded an evaluation bound (fuel, recursion,
    /// output length, range size).
    E0309,
    /// `policies.rules` turns off or lowers a policy that cannot be waived.
    E0310,
    /// An unknown `${...}` placeholder.
    E0501,
    /// An unknown size class.
    E0502,
    /// A `needs` entry names a service that does not exist.
    E0503,
    /// A file stem differs from the `name` inside it.
    E0504,
    /// Two services share one name.
    E0505,
    /// A name is not a DNS-1123 label.
    E0506,
    /// An `environments.<env>` block names an environment the platform does not define.
    E0507,
    /// A `needs` entry names a module type that does not exist.
    E0508,
    /// A placeholder names an output a need does not have.
    E0509,
    /// A resolved value is invalid for the output (e.g. autoscale min above max).
    E0510,
    /// A module's `inputs` are not a valid JSON Schema.
    E0511,
    /// A need's keys do not match its module's inputs.
    E0512,
    /// A module template cannot be evaluated.
    E0513,
    /// A latency SLO threshold is not one of the contract's histogram buckets.
    E0514,
    /// The SLO burn-rate window table is invalid.
    E0515,
    /// An SLO objective is out of range, too precise, or not a plain decimal.
    E0516,
    /// A `build` path is absolute, leaves the repository, or holds shell characters.
    E0517,
    /// A repository module's folder is not its `type`.
    E0518,
    /// A module's `terraform.source` is not a Terraform registry address.
    E0519,
    /// A module template exceeded an evaluation bound (fuel, recursion, output length,
    /// range size).
    E0530,
    /// A need's module lives in a network and its environment declares none
    /// (`environments.<env>.network`).
    E0540,
    /// A service declares an SLO but turns its metrics off: nothing could measure it.
    E0541,
    /// Two services of one environment route the same host and path.
    E0542,
    /// A route host outside the environment's domain is the same in several
    /// environments, so their DNS records and ingresses would claim one name (a warning).
    E0543,
    /// A physical AWS name pave builds breaks its AWS service's naming rules (length,
    /// characters, first or last character, `--`).
    E0550,
    /// A module's `{ tf: ... }` argument is not one Terraform expression.
    E0551,
    /// The Terraform state backend lacks a setting it needs (its `region`).
    E0552,
    /// `targets.terraform.backend.lock_table` is no longer used: state is locked with
    /// the S3 lock file (a warning).
    E0553,
    /// A module names a generated secret (`{ generated: <name> }` in an argument or
    /// an output) that its `generate` block does not declare.
    E0554,
    /// A service sets a field its workload kind does not have (`schedule` on a web
    /// service, `route` on a worker).
    E0560,
    /// A cron job has no `schedule`.
    E0561,
    /// A cron `schedule` is not a valid five-field cron expression.
    E0562,
    /// A probe uses a port the container does not declare, or a port name or number
    /// is used twice.
    E0563,
    /// A sidecar or init container is named like the main container or another one.
    E0564,
    /// A `files` path is not absolute, or collides with another file or `/tmp`.
    E0565,
    /// `security.run_as_user` is 0 (root).
    E0566,
    /// `environments.<env>.labels` or `pod_annotations` uses a key pave writes itself.
    E0567,
    /// A cron `deadline` is under 10 seconds, which the CronJob controller may miss.
    E0568,
    /// A sidecar's port is already a port of the main container or another sidecar.
    E0569,
    /// `monitoring.severity` names an environment the platform does not declare.
    E0570,
    /// A service's `renamed_from` names a service that still exists.
    E0580,
    /// Services' `renamed_from` entries form a loop (a service renamed from itself,
    /// or `a` from `b` and `b` from `a`).
    E0581,
    /// Two services claim the same previous name in `renamed_from`.
    E0582,
    /// A need's `renamed_from` names a need the service still has (or the need itself).
    E0583,
    /// Two needs of one service claim the same previous need name.
    E0584,
    /// A service's `owner` is not a team of the platform while alerts are routed.
    E0571,
    /// `monitoring.routing` is on, but the targets it needs are off.
    E0572,
    /// `autoscale.queue` on a service that is not a worker.
    E0606,
    /// `autoscale.queue` names no `queue` module need of the service.
    E0607,
    /// The service file sets both `autoscale.cpu` and `autoscale.queue`: one scaler drives the replicas.
    E0608,
    /// `autoscale.queue` in an environment without `region` or `account`, which the
    /// queue's URL is made of.
    E0609,
    /// A module need's catalog entity name (`<service>-<need>`) is longer than the 63
    /// characters Backstage accepts.
    E0610,
    /// A `targets.gitops` or environment setting the chosen GitOps engine does not read
    /// (a warning: it is ignored).
    E0611,
    /// Flux would clone an `ssh://` repository without a Secret holding the key.
    E0612,
    /// A service need names a worker or cron job, which has no Service to connect to.
    E0600,
    /// A `files.<path>.from` path is not a plain relative path inside the repository.
    E0601,
    /// A `files.<path>.from` file does not exist.
    E0602,
    /// A `files.<path>.from` file is reached through a symbolic link, or is not a
    /// regular file.
    E0603,
    /// A `files.<path>.from` file is not UTF-8.
    E0604,
    /// A `files.<path>.from` file is larger than 1 MiB.
    E0605,
    /// A Score file uses a field or value pave cannot honour.
    E0620,
    /// A Score resource type has no pave module type or mapping.
    E0621,
    /// A Score placeholder names a resource or output pave cannot translate.
    E0622,
    /// A Score workload has no `pave.dev/owner` annotation.
    E0623,
    /// An unknown `pave.dev/` annotation, or one whose value is not of its kind.
    E0624,
    /// A Score container's resource requests and limits match no platform size.
    E0625,
    /// A Score file's `source` file holds placeholders or `$$`, which pave would not expand.
    E0626,
    /// A mount names a volume the service does not declare (or a Score volume `source`
    /// that is not a `volume` resource).
    E0627,
    /// A mount's path or `sub_path` cannot be mounted: not absolute (or not relative),
    /// an empty/`.`/`..` part, in `/tmp`, or overlapping a file or another mount of the
    /// same container.
    E0628,
    /// A volume named like one of pave's own (`tmp`, `files`), or one no container mounts.
    E0629,
    /// The output tree could not be written.
    E0401,
    /// An output path would leave the output roots.
    E0402,
    /// A file pave would write exists and is not owned by pave.
    E0403,
    /// The output manifest exists but cannot be parsed.
    E0404,
    /// A symlink lies on the path of a file pave reads, writes or deletes in the output roots.
    E0405,
    /// A folder is where pave writes a file, or a file is where pave needs a folder.
    E0406,
    /// An interrupted build left its journal; `check` and `diff` cannot trust the tree.
    E0407,
    /// The build journal cannot be read or names paths pave may not touch.
    E0408,
    /// Another pave run holds the output tree's lock.
    E0409,
    /// (warning) A file pave writes existed, unowned, with exactly pave's bytes; pave now owns it.
    E0410,
    /// A generated file could not be formatted: a bug in pave, reported instead of a crash.
    E0411,
    /// Helm values could not be read off the Kubernetes objects: a bug in pave.
    E0412,
    /// Two generated files at one path: one would silently replace the other.
    E0413,
    /// A narrowed build would write a shared file naming files it does not write.
    E0414,
    /// (`check`) A generated file differs from what the sources compile to.
    E0415,
    /// (`check`) A generated file is missing from the output tree.
    E0416,
    /// (`check`) A file pave owns is stale: the sources no longer produce it.
    E0417,
    /// (`check`) A generated file was edited by hand since pave wrote it.
    E0418,
    /// A change removes a stateful resource in a protected environment, and no
    /// `--allow-destroy` or `allow_destroy` entry allows it.
    E0420,
    /// (warning) A change removes a stateful resource (unprotected, or allowed).
    E0421,
    /// `--allow-destroy` is not `env/service/need`, or names no need pave knows.
    E0422,
    /// An `allow_destroy` entry names an environment the platform does not declare.
    E0423,
    /// An `allow_destroy` entry has expired, or its `expires` is no calendar date.
    E0424,
    /// (warning) A hostname moves from one service to another.
    E0425,
    /// `pave new` outside a platform repository: no platform file in the folder or its parents.
    E0430,
    /// `pave explain`: no such field, object, or path in the object.
    E0431,
    /// `pave modules TYPE`: no such module type.
    E0432,
}

impl Code {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Code::E0101 => "E0101",
            Code::E0102 => "E0102",
            Code::E0103 => "E0103",
            Code::E0104 => "E0104",
            Code::E0105 => "E0105",
            Code::E0106 => "E0106",
            Code::E0107 => "E0107",
            Code::E0108 => "E0108",
            Code::E0109 => "E0109",
            Code::E0110 => "E0110",
            Code::E0111 => "E0111",
            Code::E0112 => "E0112",
            Code::E0113 => "E0113",
            Code::E0114 => "E0114",
            Code::E0115 => "E0115",
            Code::E0116 => "E0116",
            Code::E0117 => "E0117",
            Code::E0118 => "E0118",
            Code::E0119 => "E0119",
            Code::E0201 => "E0201",
            Code::E0202 => "E0202",
            Code::E0203 => "E0203",
            Code::E0220 => "E0220",
            Code::E0221 => "E0221",
            Code::E0222 => "E0222",
            Code::E0223 => "E0223",
            Code::E0224 => "E0224",
            Code::E0225 => "E0225",
            Code::E0226 => "E0226",
            Code::E0227 => "E0227",
            Code::E0301 => "E0301",
            Code::E0302 => "E0302",
            Code::E0303 => "E0303",
            Code::E0304 => "E0304",
            Code::E0305 => "E0305",
            Code::E0306 => "E0306",
            Code::E0307 => "E0307",
            Code::E0308 => "E0308",
            Code::E0309 => "E0309",
            Code::E0310 => "E0310",
            Code::E0501 => "E0501",
            Code::E0502 => "E0502",
            Code::E0503 => "E0503",
            Code::E0504 => "E0504",
            Code::E0505 => "E0505",
            Code::E0506 => "E0506",
            Code::E0507 => "E0507",
            Code::E0508 => "E0508",
            Code::E0509 => "E0509",
            Code::E0510 => "E0510",
            Code::E0511 => "E0511",
            Code::E0512 => "E0512",
            Code::E0513 => "E0513",
            Code::E0514 => "E0514",
            Code::E0515 => "E0515",
            Code::E0516 => "E0516",
            Code::E0517 => "E0517",
            Code::E0518 => "E0518",
            Code::E0519 => "E0519",
            Code::E0530 => "E0530",
            Code::E0540 => "E0540",
            Code::E0541 => "E0541",
            Code::E0542 => "E0542",
            Code::E0543 => "E0543",
            Code::E0550 => "E0550",
            Code::E0551 => "E0551",
            Code::E0552 => "E0552",
            Code::E0553 => "E0553",
            Code::E0554 => "E0554",
            Code::E0560 => "E0560",
            Code::E0561 => "E0561",
            Code::E0562 => "E0562",
            Code::E0563 => "E0563",
            Code::E0564 => "E0564",
            Code::E0565 => "E0565",
            Code::E0566 => "E0566",
            Code::E0567 => "E0567",
            Code::E0568 => "E0568",
            Code::E0569 => "E0569",
            Code::E0570 => "E0570",
            Code::E0580 => "E0580",
            Code::E0581 => "E0581",
            Code::E0582 => "E0582",
            Code::E0583 => "E0583",
            Code::E0584 => "E0584",
            Code::E0571 => "E0571",
            Code::E0572 => "E0572",
            Code::E0606 => "E0606",
            Code::E0607 => "E0607",
            Code::E0608 => "E0608",
            Code::E0609 => "E0609",
            Code::E0610 => "E0610",
            Code::E0611 => "E0611",
            Code::E0612 => "E0612",
            Code::E0600 => "E0600",
            Code::E0601 => "E0601",
            Code::E0602 => "E0602",
            Code::E0603 => "E0603",
            Code::E0604 => "E0604",
            Code::E0605 => "E0605",
            Code::E0620 => "E0620",
            Code::E0621 => "E0621",
            Code::E0622 => "E0622",
            Code::E0623 => "E0623",
            Code::E0624 => "E0624",
            Code::E0625 => "E0625",
            Code::E0626 => "E0626",
            Code::E0627 => "E0627",
            Code::E0628 => "E0628",
            Code::E0629 => "E0629",
            Code::E0401 => "E0401",
            Code::E0402 => "E0402",
            Code::E0403 => "E0403",
            Code::E0404 => "E0404",
            Code::E0405 => "E0405",
            Code::E0406 => "E0406",
            Code::E0407 => "E0407",
            Code::E0408 => "E0408",
            Code::E0409 => "E0409",
            Code::E0410 => "E0410",
            Code::E0411 => "E0411",
            Code::E0412 => "E0412",
            Code::E0413 => "E0413",
            Code::E0414 => "E0414",
            Code::E0415 => "E0415",
            Code::E0416 => "E0416",
            Code::E0417 => "E0417",
            Code::E0418 => "E0418",
            Code::E0420 => "E0420",
            Code::E0421 => "E0421",
            Code::E0422 => "E0422",
            Code::E0423 => "E0423",
            Code::E0424 => "E0424",
            Code::E0425 => "E0425",
            Code::E0430 => "E0430",
            Code::E0431 => "E0431",
            Code::E0432 => "E0432",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

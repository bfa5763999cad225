//! Every argument pave passes to a registry module, and every module output it
//! references, exists in that module's interface at the pinned version: the golden
//! trees' Terraform against the interface facts vendored in `tests/data/aws-modules/`.

use super::*;

/// One module's interface at one tag.
pub struct Interface {
    tag: String,
    variables: BTreeMap<String, bool>,
    outputs: Vec<String>,
}

/// Registry source -> interface, from the vendored files.
pub fn interfaces() -> BTreeMap<String, Interface> {
    let dir = project().join("tests/data/aws-modules");
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let data: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let variables = data["variables"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, v)| (name.clone(), v["required"].as_bool().unwrap()))
            .collect();
        let outputs = data["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_string())
            .collect();
        let interface = Interface {
            tag: data["tag"].as_str().unwrap().to_string(),
            variables,
            outputs,
        };
        out.insert(data["source"].as_str().unwrap().to_string(), interface);
    }
    out
}

/// Whether `tag` (`v6.13.1`) satisfies a pessimistic constraint `~> MAJOR.MINOR`.
fn satisfies(tag: &str, constraint: &str) -> bool {
    let parse = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap()).collect() };
    let want = parse(constraint.strip_prefix("~> ").expect("a ~> constraint"));
    let have = parse(tag.trim_start_matches('v'));
    want.len() == 2 && have[0] == want[0] && have[1] >= want[1]
}

/// Every `module.<label>.<output>` in a file's text.
fn output_references(text: &str) -> Vec<(String, String)> {
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut refs = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("module.") {
        let preceded = rest[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        rest = &rest[at + "module.".len()..];
        let label = word(rest);
        let after = &rest[label.len()..];
        if preceded || label.is_empty() || !after.starts_with('.') {
            continue;
        }
        refs.push((label, word(&after[1..])));
    }
    refs
}

/// The `.tf` files of every golden tree.
fn golden_tf_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for name in examples() {
        let root = project()
            .join("golden")
            .join(&name)
            .join("generated/terraform");
        let Ok(envs) = fs::read_dir(&root) else {
            continue;
        };
        for env in envs {
            for file in fs::read_dir(env.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_some_and(|e| e == "tf") {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    files
}

/// The mistakes in one directory's module calls and output references.
pub fn check_dir(files: &[&PathBuf], interfaces: &BTreeMap<String, Interface>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut calls: BTreeMap<String, &Interface> = BTreeMap::new();
    for path in files {
        let body: hcl::Body = hcl::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        for block in body.blocks().filter(|b| b.identifier() == "module") {
            let label = block.labels()[0].as_str().to_string();
            let attr = |k: &str| {
                block
                    .body()
                    .attributes()
                    .find(|a| a.key() == k)
                    .map(|a| a.expr().to_string())
            };
            let source = attr("source").unwrap().trim_matches('"').to_string();
            let version = attr("version").unwrap().trim_matches('"').to_string();
            let Some(interface) = interfaces.get(&source) else {
                problems.push(format!(
                    "{}: module {label}: no interface data for `{source}`",
                    path.display()
                ));
                continue;
            };
            if !satisfies(&interface.tag, &version) {
                problems.push(format!(
                    "{}: module {label}: `{version}` does not admit the recorded {}",
                    path.display(),
                    interface.tag
                ));
            }
            let given: Vec<&str> = block.body().attributes().map(|a| a.key()).collect();
            for arg in given.iter().filter(|a| !["source", "version"].contains(a)) {
                if !interface.variables.contains_key(*arg) {
                    problems.push(format!(
                        "{}: module {label}: `{source}` {} has no variable `{arg}`",
                        path.display(),
                        interface.tag
                    ));
                }
            }
            for (var, _) in interface
                .variables
                .iter()
                .filter(|(_, required)| **required)
            {
                if !given.contains(&var.as_str()) {
                    problems.push(format!(
                        "{}: module {label}: required variable `{var}` not passed",
                        path.display()
                    ));
                }
            }
            calls.insert(label, interface);
        }
    }
    for path in files {
        for (label, output) in output_references(&fs::read_to_string(path).unwrap()) {
            match calls.get(&label) {
                None => problems.push(format!(
                    "{}: `module.{label}` is not called in this directory",
                    path.display()
                )),
                Some(i) if !i.outputs.contains(&output) => problems.push(format!(
                    "{}: `module.{label}.{output}`: the module has no such output at {}",
                    path.display(),
                    i.tag
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

#[test]
fn module_arguments_and_outputs_exist_in_the_pinned_interfaces() {
    let interfaces = interfaces();
    assert_eq!(interfaces.len(), 4, "one file per pinned module");
    let files = golden_tf_files();
    let mut dirs: BTreeMap<PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for f in &files {
        dirs.entry(f.parent().unwrap().to_path_buf())
            .or_default()
            .push(f);
    }
    assert!(
        dirs.len() >= 4,
        "the golden trees have Terraform directories"
    );
    let mut problems = Vec::new();
    let mut checked = 0;
    for files in dirs.values() {
        problems.extend(check_dir(files, &interfaces));
        checked += 1;
    }
    assert!(
        problems.is_empty(),
        "{checked} directories:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_wrong_argument_or_output_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.tf");
    fs::write(
        &path,
        "module \"a_db\" {\n  source = \"terraform-aws-modules/rds/aws\"\n  version = \"~> 7.0\"\n  identifer = \"x\"\n}\n\
         output \"x\" {\n  value = module.a_db.db_password\n}\n",
    )
    .unwrap();
    let problems = check_dir(&[&path], &interfaces());
    let text = problems.join("\n");
    assert!(
        text.contains("does not admit the recorded v6.13.1"),
        "{text}"
    );
    assert!(text.contains("has no variable `identifer`"), "{text}");
    assert!(
        text.contains("required variable `identifier` not passed"),
        "{text}"
    );
    assert!(text.contains("`module.a_db.db_password`"), "{text}");
    assert_eq!(problems.len(), 4, "{text}");
}

#[test]
fn references_are_found_in_templates_and_function_calls() {
    let refs = output_references(
        "x = \"${module.a.b}/c\"\ny = jsondecode(module.c_d.e_f)\nz = data.module.q\n",
    );
    assert_eq!(
        refs,
        [("a".into(), "b".into()), ("c_d".into(), "e_f".into())]
    );
}

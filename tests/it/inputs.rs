//! Inputs that must never be skipped silently: a symbolic link anywhere pave looks
//! for input is refused with E0111 naming it, nothing is written, and nothing the
//! link points at (outside the repository) is read or changed.

use serde_json::Value;

use super::*;

/// A scratch repository (the bad-input base, built once) beside an "outside" folder.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &project().join("tests/diagnostics/_base"),
            &dir.path().join("repo"),
        );
        let outside = dir.path().join("outside");
        fs::create_dir_all(outside.join("redis")).unwrap();
        let api = fs::read_to_string(dir.path().join("repo/services/api.yaml")).unwrap();
        fs::write(
            outside.join("extra.yaml"),
            api.replace("name: api", "name: extra"),
        )
        .unwrap();
        fs::write(outside.join("pack.yaml"), "policies: []\n").unwrap();
        fs::copy(
            project().join("examples/shop/modules/redis/module.yaml"),
            outside.join("redis/module.yaml"),
        )
        .unwrap();
        let scratch = Scratch { dir };
        let built = pave(&["build"], &scratch.repo());
        assert!(built.status.success(), "{}", stderr(&built));
        scratch
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    /// Links `at` (in the repository) to `target`; runs `build`; returns (exit code,
    /// codes and files of the diagnostics), checking nothing was written anywhere.
    fn build_with_link(&self, target: &Path, at: &str) -> (i32, Vec<(String, String)>) {
        let link = self.repo().join(at);
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &link).unwrap();
        let generated = snapshot(&self.repo().join("generated"));
        let outside = snapshot(&self.outside());
        let out = pave(&["build", "--format", "json"], &self.repo());
        assert_eq!(snapshot(&self.repo().join("generated")), generated);
        assert_eq!(snapshot(&self.outside()), outside);
        let err = stdout(&out);
        let json = err
            .find("\n}\n")
            .map_or(err.as_str(), |end| &err[..end + 3]);
        let report: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {err}"));
        let diags = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let field = |k: &str| d[k].as_str().unwrap_or_default().to_string();
                (field("code"), field("file"))
            })
            .collect();
        (out.status.code().unwrap_or(-1), diags)
    }
}

fn refused(at: &str) -> (i32, Vec<(String, String)>) {
    (1, vec![("E0111".to_string(), at.to_string())])
}

#[test]
fn a_symlinked_service_file_is_refused() {
    let s = Scratch::new();
    let target = s.outside().join("extra.yaml");
    let at = "services/extra.yaml";
    assert_eq!(s.build_with_link(&target, at), refused(at));
}

#[test]
fn a_symlinked_services_folder_is_refused() {
    let s = Scratch::new();
    let services = s.repo().join("services");
    fs::rename(&services, s.outside().join("services")).unwrap();
    let target = s.outside().join("services");
    assert_eq!(s.build_with_link(&target, "services"), refused("services"));
}

#[test]
fn a_symlinked_policy_pack_is_refused() {
    let s = Scratch::new();
    let target = s.outside().join("pack.yaml");
    let at = "policies/pack.yaml";
    assert_eq!(s.build_with_link(&target, at), refused(at));
}

#[test]
fn a_symlinked_module_folder_is_refused() {
    let s = Scratch::new();
    let target = s.outside().join("redis");
    let at = "modules/redis";
    assert_eq!(s.build_with_link(&target, at), refused(at));
}

#[test]
fn a_symlinked_platform_file_is_refused() {
    let s = Scratch::new();
    let platform = s.repo().join("platform.yaml");
    fs::rename(&platform, s.outside().join("platform.yaml")).unwrap();
    let target = s.outside().join("platform.yaml");
    let at = "platform.yaml";
    assert_eq!(s.build_with_link(&target, at), refused(at));
}

//! The crate's layout as a rule: each top-level module may use only modules below it, so
//! no module imports one that imports it back; `unsafe` and threads live only in the
//! primitives (`src/kernels/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers of the design, bottom first: a module may use modules of a lower rank only.
const RANKS: &[(&str, u32)] = &[
    ("error", 0),
    ("limits", 1),
    ("kernels", 2),
    ("geometry", 2),
    ("table", 2),
    ("functions", 3),
    ("init", 3),
    ("conv", 3),
    ("regularization", 3),
    ("data", 4),
    ("layers", 4),
    ("net", 5),
    ("optim", 5),
    ("train", 6),
    ("experiments", 7),
    ("display", 8),
    ("plot", 9),
    ("explore", 10),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each source file's top-level module and its code without comments and unit tests.
fn sources() -> Vec<(String, PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            let code: String = code
                .lines()
                .map(|l| l.split("//").next().unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            (module, path, code)
        })
        .collect()
}

/// The top-level modules `code` refers to through `crate::`.
fn uses(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(inner) = rest.strip_prefix('{') {
            // use crate::{a::X, b::{Y, Z}}: every path's first segment
            let end = inner.find("};").unwrap_or(inner.len());
            for part in inner[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if part.contains("::") {
                    found.push(name);
                }
            }
        } else {
            found.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    found
}

#[test]
fn every_module_uses_only_modules_below_it() {
    let ranks: BTreeMap<&str, u32> = RANKS.iter().copied().collect();
    let mut problems = Vec::new();
    for (module, path, code) in sources() {
        if module == "lib" {
            continue; // the prelude re-exports everything
        }
        let Some(&rank) = ranks.get(module.as_str()) else {
            problems.push(format!("{module} has no rank in tests/architecture.rs"));
            continue;
        };
        for used in uses(&code) {
            if used == module || used == "Error" || used == "Result" {
                continue;
            }
            match ranks.get(used.as_str()) {
                Some(&r) if r < rank => {}
                _ => problems.push(format!(
                    "{} uses crate::{used}, which is not below {module}",
                    path.display()
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn unsafe_code_and_threads_live_only_in_the_primitives() {
    let mut problems = Vec::new();
    for (module, path, code) in sources() {
        if module == "kernels" {
            continue;
        }
        for word in ["unsafe ", "std::thread", "MaybeUninit"] {
            if code.contains(word) {
                problems.push(format!("{}: {word}", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_rule_sees_a_use_that_points_up() {
    assert_eq!(uses("use crate::net::Sequential;"), ["net"]);
    assert_eq!(
        uses("use crate::{error::Result, layers::{Affine, Relu}};"),
        ["error", "layers"]
    );
    assert_eq!(uses("let x = crate::kernels::map(&v, f);"), ["kernels"]);
}

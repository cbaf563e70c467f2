//! What both benchmarks share: a median timer and running their numpy reference.

use std::process::Command;
use std::time::Instant;

/// The median wall-clock seconds of `repeats` calls of `f`.
pub fn median_seconds(repeats: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}

/// The standard output of `benches/<script>`, run with `$PYTHON`, else `.venv/bin/python`,
/// else `python3`; `None` (and the reason on stderr) if it does not run, e.g. without numpy.
pub fn run_numpy_reference(script: &str) -> Option<String> {
    run_reference(script, "PYTHON", ".venv/bin/python")
}

/// The same for a PyTorch script: `$TORCH_PYTHON`, else `.venv-bench/bin/python` (the
/// bench-only environment that holds torch), else `python3`.
#[allow(dead_code)] // used by the convnet bench only
pub fn run_torch_reference(script: &str) -> Option<String> {
    run_reference(script, "TORCH_PYTHON", ".venv-bench/bin/python")
}

fn run_reference(script: &str, variable: &str, venv: &str) -> Option<String> {
    let python = std::env::var(variable).unwrap_or_else(|_| {
        let venv = format!("{}/{venv}", env!("CARGO_MANIFEST_DIR"));
        if std::path::Path::new(&venv).exists() {
            venv
        } else {
            "python3".into()
        }
    });
    let path = format!("{}/benches/{script}", env!("CARGO_MANIFEST_DIR"));
    // BLAS with its normal kernels: no overrides of the core type or cache sizes
    let output = Command::new(&python)
        .arg(path)
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "reference {script} did not run ({python}): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The number after `key ` on the line that starts with it.
#[allow(dead_code)]
pub fn value_of(text: &str, key: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
}

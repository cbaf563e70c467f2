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
    let python = std::env::var("PYTHON").unwrap_or_else(|_| {
        let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
        if std::path::Path::new(venv).exists() {
            venv.into()
        } else {
            "python3".into()
        }
    });
    let path = format!("{}/benches/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(&python).arg(path).output().ok()?;
    if !output.status.success() {
        eprintln!(
            "numpy reference did not run ({python}): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

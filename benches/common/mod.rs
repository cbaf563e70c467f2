//! What the benchmarks share: a median timer and running their references (numpy, PyTorch).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
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

/// The interpreter for a reference: `$variable`, else `<crate>/<venv>` if it exists, else
/// `python3`.
fn python(variable: &str, venv: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        let venv = format!("{}/{venv}", env!("CARGO_MANIFEST_DIR"));
        if std::path::Path::new(&venv).exists() {
            venv
        } else {
            "python3".into()
        }
    })
}

/// A reference script kept running (`--serve`, see `benches/reference.py`) so that its
/// measurements can be taken right after this crate's: both sides of a ratio within a
/// second of each other, on a machine whose speed drifts from one minute to the next.
pub struct Reference {
    script: String,
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
    /// The script's info lines (`key value`: versions, threads, its BLAS kernel).
    pub info: String,
}

impl Reference {
    /// The numpy script `benches/<script>`, started with `$PYTHON`, else
    /// `.venv/bin/python`, else `python3`; `None` (the reason on stderr) if it does not
    /// start, e.g. without numpy.
    pub fn numpy(script: &str) -> Option<Reference> {
        Reference::start(script, &python("PYTHON", ".venv/bin/python"))
    }

    /// A PyTorch script: `$TORCH_PYTHON`, else `.venv-bench/bin/python` (the bench-only
    /// environment that holds torch), else `python3`.
    #[allow(dead_code)] // used by the convnet bench only
    pub fn torch(script: &str) -> Option<Reference> {
        Reference::start(script, &python("TORCH_PYTHON", ".venv-bench/bin/python"))
    }

    fn start(script: &str, python: &str) -> Option<Reference> {
        // BLAS with its normal kernels: no overrides of the core type or cache sizes (this
        // machine sets both)
        let mut child = Command::new(python)
            .arg(format!("{}/benches/{script}", env!("CARGO_MANIFEST_DIR")))
            .arg("--serve")
            .env_remove("OPENBLAS_CORETYPE")
            .env_remove("OPENBLAS_L2_SIZE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()) // its errors show as they happen (and never fill a pipe)
            .spawn()
            .inspect_err(|e| eprintln!("reference {script} did not start ({python}): {e}"))
            .ok()?;
        let mut reference = Reference {
            script: script.into(),
            input: child.stdin.take(),
            output: BufReader::new(child.stdout.take()?),
            child,
            info: String::new(),
        };
        loop {
            match reference.line().as_deref() {
                Some("ready") => return Some(reference),
                Some(line) => reference.info += &format!("{line}\n"),
                None => {
                    reference.fail(&format!("starting with {python}"));
                    return None;
                }
            }
        }
    }

    /// The median seconds of `repeats` calls of the script's measurement `name` (after its
    /// warm-up calls); `None`, said on stderr, if the script fails.
    pub fn seconds(&mut self, name: &str, repeats: usize) -> Option<f64> {
        writeln!(self.input.as_mut()?, "{name} {repeats}").ok()?;
        let answer = self.line();
        let seconds = answer.as_deref().and_then(|line| value_of(line, name));
        if seconds.is_none() {
            self.fail(name);
        }
        seconds
    }

    fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.output.read_line(&mut line) {
            Ok(read) if read > 0 => Some(line.trim_end().to_string()),
            _ => None,
        }
    }

    /// Stops the script and says which step failed (its own error is above, on stderr).
    fn fail(&mut self, doing: &str) {
        self.input = None;
        let _ = self.child.kill();
        eprintln!("reference {} failed ({doing})", self.script);
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        self.input = None; // closing stdin ends the script's loop
        let _ = self.child.wait();
    }
}

/// The number after `key ` on the line that starts with it.
pub fn value_of(text: &str, key: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
}

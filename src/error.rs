//! The crate's one error type.
//!
//! Everything a student may change in a cell (sizes, learning rates, ratios, strides,
//! iterations, file paths) is checked where it enters, and a bad value comes back as an
//! [`Error`] whose message names the parameter, its value and the rule it broke, so the
//! next cell still runs. `Display` is written by hand: a derive macro would cost every
//! cold kernel start its proc-macro dependencies.

use std::fmt;
use std::path::PathBuf;

/// Every way a lesson call can refuse its input.
#[derive(Debug)]
pub enum Error {
    /// A parameter broke its rule, e.g. `batch_size = 0: must be at least 1`.
    InvalidParameter {
        /// The parameter's name as the student writes it (`lr`, `batch_size`, ...).
        name: String,
        /// The value that was given.
        value: String,
        /// The rule it broke, with a hint where one helps.
        rule: String,
    },
    /// Sizes that do not fit together (a filter larger than its input, mismatched
    /// channels, an array of the wrong shape given to a layer).
    Geometry(String),
    /// A call would need more memory (or draw a larger picture) than the limit allows.
    TooLarge {
        /// What asked for it, with the parameters that decide its size.
        what: String,
        /// The estimate, in bytes.
        bytes: u128,
        /// The limit it exceeds, in bytes.
        limit: u128,
        /// How to get under the limit.
        hint: String,
    },
    /// A data file that cannot be used: missing, truncated, or not in the expected format.
    Data {
        /// The file that was read.
        path: PathBuf,
        /// What was wrong with it.
        problem: String,
    },
    /// The kernel or machine is not set up as the lessons need.
    Setup(String),
    /// A chart could not be drawn or saved.
    Plot(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter { name, value, rule } => write!(f, "{name} = {value}: {rule}"),
            Error::Geometry(message) | Error::Setup(message) => f.write_str(message),
            Error::TooLarge {
                what,
                bytes,
                limit,
                hint,
            } => write!(
                f,
                "{what} needs about {} but the limit is {}: {hint}",
                human_bytes(*bytes),
                human_bytes(*limit)
            ),
            Error::Data { path, problem } => write!(f, "{}: {problem}", path.display()),
            Error::Plot(message) => write!(f, "chart: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// A reshape that does not fit (`into_shape_with_order` and friends), so `?` works on them.
impl From<ndarray::ShapeError> for Error {
    fn from(e: ndarray::ShapeError) -> Self {
        Error::Geometry(format!("reshape: {e}"))
    }
}

/// Bytes as a short figure: `512 B`, `3.2 MB`, `80.0 GB`.
pub(crate) fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl Error {
    /// A parameter error: `name = value: rule`.
    pub fn param(name: impl Into<String>, value: impl ToString, rule: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            rule: rule.into(),
        }
    }

    /// A data-file error naming the file.
    pub fn data(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A number as a message shows it: `0.5`, `3`, and `1e200` or `1e-300` rather than
/// hundreds of digits.
pub(crate) fn number(value: f64) -> String {
    if value != 0.0 && value.is_finite() && !(1e-4..1e16).contains(&value.abs()) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// Checks that `value` is finite and strictly positive (learning rates, scales).
pub(crate) fn positive(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::param(
            name,
            number(value),
            "must be a finite number > 0",
        ))
    }
}

/// Checks that `value` is finite and not negative (lambdas, momenta).
pub(crate) fn non_negative(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::param(
            name,
            number(value),
            "must be a finite number >= 0",
        ))
    }
}

/// Checks that `value` is a finite number (starting points, data values).
pub(crate) fn finite(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::param(name, number(value), "must be a finite number"))
    }
}

/// Checks that `value` lies in `[0, 1)` (ratios, decay rates, betas).
pub(crate) fn unit_interval(name: &str, value: f64) -> Result<f64> {
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::param(name, number(value), "must lie in [0, 1)"))
    }
}

/// Checks that a count is at least 1 (sizes, iterations, intervals).
pub(crate) fn at_least_one(name: &str, value: usize) -> Result<usize> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(Error::param(name, value, "must be at least 1"))
    }
}

/// Checks that a count lies in `1..=max` (iterations, depths, counts whose time grows
/// with them); `why` says what the maximum protects.
pub(crate) fn count_in(name: &str, value: usize, max: usize, why: &str) -> Result<usize> {
    at_least_one(name, value)?;
    if value <= max {
        Ok(value)
    } else {
        Err(Error::param(
            name,
            value,
            format!("must be at most {max} ({why})"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_parameter_value_and_rule() {
        let e = positive("lr", -0.5).unwrap_err();
        assert_eq!(e.to_string(), "lr = -0.5: must be a finite number > 0");
        let e = unit_interval("dropout_ratio", 1.0).unwrap_err();
        assert_eq!(e.to_string(), "dropout_ratio = 1: must lie in [0, 1)");
        assert!(non_negative("weight_decay_lambda", f64::NAN).is_err());
        assert!(at_least_one("batch_size", 0).is_err());
        assert_eq!(at_least_one("batch_size", 3).unwrap(), 3);
        let e = count_in("depth", 101, 100, "each layer is 100x100").unwrap_err();
        assert_eq!(
            e.to_string(),
            "depth = 101: must be at most 100 (each layer is 100x100)"
        );
        assert!(finite("start", f64::INFINITY).is_err());
        let e = positive("lr", -1e300).unwrap_err();
        assert!(e.to_string().starts_with("lr = -1e300: "), "{e}");
        assert_eq!(number(-2.5e-7), "-2.5e-7");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn every_kind_displays_its_fields() {
        let e = Error::TooLarge {
            what: "im2col with pad = 1000000".into(),
            bytes: 80_000_000_000,
            limit: 2_000_000_000,
            hint: "choose a smaller pad".into(),
        };
        assert_eq!(
            e.to_string(),
            "im2col with pad = 1000000 needs about 80.0 GB but the limit is 2.0 GB: choose a smaller pad"
        );
        assert_eq!(
            Error::data("a/b", "missing").to_string(),
            format!("{}: missing", PathBuf::from("a/b").display())
        );
        assert_eq!(Error::Plot("x".into()).to_string(), "chart: x");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1500), "1.5 kB");
    }
}

//! The crate's one error type.
//!
//! Everything a student may change in a cell (sizes, learning rates, ratios, strides,
//! iterations, file paths) is checked where it enters, and a bad value comes back as an
//! [`Error`] whose message names the parameter, its value and the rule it broke, so the
//! next cell still runs.

use std::path::PathBuf;

/// Every way a lesson call can refuse its input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter broke its rule, e.g. `batch_size = 0: must be at least 1`.
    #[error("{name} = {value}: {rule}")]
    InvalidParameter {
        /// The parameter's name as the student writes it (`lr`, `batch_size`, ...).
        name: String,
        /// The value that was given.
        value: String,
        /// The rule it broke, with a hint where one helps.
        rule: String,
    },
    /// Sizes that do not fit together (a filter larger than its input, mismatched channels).
    #[error("{0}")]
    Geometry(String),
    /// A data file that cannot be used: missing, truncated, or not in the expected format.
    #[error("{path}: {problem}", path = path.display())]
    Data {
        /// The file that was read.
        path: PathBuf,
        /// What was wrong with it.
        problem: String,
    },
    /// The kernel or machine is not set up as the lessons need.
    #[error("{0}")]
    Setup(String),
    /// A chart could not be drawn or saved.
    #[error("chart: {0}")]
    Plot(String),
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

/// Checks that `value` is finite and strictly positive (learning rates, scales).
pub(crate) fn positive(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::param(name, value, "must be a finite number > 0"))
    }
}

/// Checks that `value` is finite and not negative (lambdas, momenta).
pub(crate) fn non_negative(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::param(name, value, "must be a finite number >= 0"))
    }
}

/// Checks that `value` lies in `[0, 1)` (ratios, decay rates, betas).
pub(crate) fn unit_interval(name: &str, value: f64) -> Result<f64> {
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::param(name, value, "must lie in [0, 1)"))
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
    }
}

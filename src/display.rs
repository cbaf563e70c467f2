//! What the Rust kernel shows: MIME bundles and the `evcxr_display` methods of the
//! crate's result types.
//!
//! evcxr renders a value whose type has an **inherent** `evcxr_display(&self)` method;
//! the method prints `EVCXR_BEGIN_CONTENT <mime>`, the content, and `EVCXR_END_CONTENT`.
//! All blocks of one cell form one output, so each type sends a rich form and `text/plain`.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::layers::GradientCheck;
use crate::net::{shape_text, Summary};
use crate::table::{thousands, Table};
use crate::train::History;

/// The outputs a value sends to the kernel, as `(mime type, content)` pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct MimeBundle {
    /// Each representation, richest first.
    pub entries: Vec<(&'static str, String)>,
}

impl MimeBundle {
    /// The content of one mime type, if present.
    pub fn get(&self, mime: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(m, _)| *m == mime)
            .map(|(_, c)| c.as_str())
    }

    /// The evcxr protocol text for this bundle.
    pub fn to_evcxr(&self) -> String {
        let mut out = String::new();
        for (mime, content) in &self.entries {
            let _ = write!(
                out,
                "EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT\n"
            );
        }
        out
    }

    /// Prints the bundle for the kernel in one locked write.
    pub fn emit(&self) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(self.to_evcxr().as_bytes());
        let _ = stdout.flush();
    }
}

impl Table {
    /// The bundle the notebook shows: `text/html` and `text/plain`.
    pub fn mime_bundle(&self) -> MimeBundle {
        MimeBundle {
            entries: vec![
                ("text/html", self.to_html()),
                ("text/plain", self.to_text()),
            ],
        }
    }

    /// Shows the table in the Rust kernel.
    pub fn evcxr_display(&self) {
        self.mime_bundle().emit();
    }
}

/// Relative errors below this are reported as agreement in gradient-check tables
/// (as are absolute differences below 1e-9, for gradients that are 0).
pub const GRADIENT_CHECK_TOLERANCE: f64 = 1e-5;

impl GradientCheck {
    /// The check as a table: array, max |backprop − numerical|, relative error, verdict.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(
            "gradient check: backprop vs numerical gradient",
            &[
                "array",
                "max |backprop − numerical|",
                "‖difference‖ / (‖backprop‖ + ‖numerical‖)",
                "agree",
            ],
        );
        for row in &self.rows {
            let (name, abs, rel) = (&row.name, &row.max_abs_error, &row.relative_error);
            let ok = if *rel < GRADIENT_CHECK_TOLERANCE || *abs < 1e-9 {
                "yes"
            } else {
                "NO"
            };
            table.push(vec![
                name.clone(),
                format!("{abs:.2e}"),
                format!("{rel:.2e}"),
                ok.into(),
            ]);
        }
        table
    }

    /// The bundle the notebook shows.
    pub fn mime_bundle(&self) -> MimeBundle {
        self.to_table().mime_bundle()
    }

    /// Shows the check as a table in the Rust kernel.
    pub fn evcxr_display(&self) {
        self.mime_bundle().emit();
    }
}

impl History {
    /// The bundle the notebook shows: the one-line summary.
    pub fn mime_bundle(&self) -> MimeBundle {
        MimeBundle {
            entries: vec![("text/plain", self.summary())],
        }
    }

    /// Shows the summary in the Rust kernel (chart it with `accuracy_curves`).
    pub fn evcxr_display(&self) {
        self.mime_bundle().emit();
    }
}

impl Summary {
    /// The summary as a table: layer, settings, output shape, values per sample,
    /// parameters, and the size formula where there is one; a last row with the totals.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(
            format!(
                "{}: input {} ({} values per sample)",
                self.name,
                shape_text(&self.input_shape),
                self.input_shape.iter().product::<usize>()
            ),
            &[
                "layer",
                "settings",
                "output (C x H x W)",
                "values",
                "parameters",
                "size formula",
            ],
        );
        for row in &self.rows {
            let cells = vec![
                row.name.clone(),
                row.settings.clone(),
                shape_text(&row.output_shape),
                thousands(row.output_shape.iter().product()),
                thousands(row.params),
                row.formula.clone(),
            ];
            if row.name.starts_with("Conv") || row.name.starts_with("Affine") {
                table.push_colored(cells, "#eef4fb");
            } else {
                table.push(cells);
            }
        }
        table.push(vec![
            "total".into(),
            String::new(),
            String::new(),
            String::new(),
            thousands(self.total_params()),
            String::new(),
        ]);
        table
    }

    /// The bundle the notebook shows.
    pub fn mime_bundle(&self) -> MimeBundle {
        self.to_table().mime_bundle()
    }

    /// Shows the summary as a table in the Rust kernel.
    pub fn evcxr_display(&self) {
        self.mime_bundle().emit();
    }
}

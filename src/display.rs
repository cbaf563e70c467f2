//! What the Rust kernel shows: MIME bundles, HTML tables, and the `evcxr_display`
//! methods of the crate's result types.
//!
//! evcxr renders a value whose type has an **inherent** `evcxr_display(&self)` method;
//! the method prints `EVCXR_BEGIN_CONTENT <mime>`, the content, and `EVCXR_END_CONTENT`.
//! All blocks of one cell form one output, so each type sends a rich form and `text/plain`.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::layers::GradientCheck;
use crate::net::{shape_text, Summary};
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

/// Escapes `&`, `<`, `>` and `"` for HTML and SVG text.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A small table shown as HTML in the notebook and as aligned text elsewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// A caption above the table.
    pub title: String,
    /// Column headings.
    pub header: Vec<String>,
    /// The cells, row by row.
    pub rows: Vec<Vec<String>>,
    /// A background colour per row (CSS), where one is set.
    pub row_colors: Vec<Option<String>>,
}

impl Table {
    /// A table with a caption and column headings.
    ///
    /// ```
    /// use dl_lessons::display::Table;
    /// let mut table = Table::new("check", &["quantity", "value"]);
    /// table.push(vec!["dz/dx".into(), "6".into()]);
    /// assert!(table.to_html().contains(">dz/dx</td>"));
    /// ```
    pub fn new(title: impl Into<String>, header: &[&str]) -> Table {
        Table {
            title: title.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            row_colors: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
        self.row_colors.push(None);
    }

    /// Adds a row with a background colour (a CSS colour).
    pub fn push_colored(&mut self, row: Vec<String>, color: &str) {
        self.rows.push(row);
        self.row_colors.push(Some(color.to_string()));
    }

    /// The table as an HTML fragment.
    pub fn to_html(&self) -> String {
        let mut html =
            String::from("<table style=\"border-collapse:collapse;font-family:monospace\">");
        let _ = write!(
            html,
            "<caption style=\"font-weight:bold;text-align:left\">{}</caption><tr>",
            escape(&self.title)
        );
        for h in &self.header {
            let _ = write!(
                html,
                "<th style=\"border-bottom:1px solid #888;padding:2px 8px\">{}</th>",
                escape(h)
            );
        }
        html.push_str("</tr>");
        for (i, row) in self.rows.iter().enumerate() {
            match self.row_colors.get(i).and_then(|c| c.as_ref()) {
                Some(c) => {
                    let _ = write!(html, "<tr style=\"background:{}\">", escape(c));
                }
                None => html.push_str("<tr>"),
            }
            for cell in row {
                let _ = write!(html, "<td style=\"padding:2px 8px\">{}</td>", escape(cell));
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
        html
    }

    /// The table as aligned plain text.
    pub fn to_text(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let mut text = format!("{}\n{}\n", self.title, line(&self.header));
        for row in &self.rows {
            text.push_str(&line(row));
            text.push('\n');
        }
        text
    }

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

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
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

/// 43264 as `43,264`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

//! A small table of strings: what the lessons' checks and summaries show, as HTML in the
//! notebook and as aligned text elsewhere. Plain data, used from the bottom of the crate up.

use std::fmt::Write as _;

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
    /// use dl_lessons::table::Table;
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
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A number as numpy prints an array's elements: at most 8 decimals, trailing zeros
/// dropped (0.1 × 1.5 as `0.15`, not `0.15000000000000002`), and scientific notation for
/// numbers below 1e-4 or from 1e16 on.
///
/// ```
/// use dl_lessons::table::decimal;
/// assert_eq!(decimal(0.1 * 1.5), "0.15");
/// assert_eq!(decimal(-0.001), "-0.001");
/// assert_eq!(decimal(3.0), "3");
/// assert_eq!(decimal(2.5e-7), "2.5e-7");
/// ```
pub fn decimal(v: f64) -> String {
    if v != 0.0 && v.is_finite() && (v.abs() < 1e-4 || v.abs() >= 1e16) {
        return format!("{v:e}");
    }
    let text = format!("{v:.8}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
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

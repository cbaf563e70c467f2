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

    /// The table as an HTML fragment. Columns of numbers are aligned right, the others
    /// left (JupyterLab would align every cell right).
    ///
    /// ```
    /// use dl_lessons::table::Table;
    /// let mut table = Table::new("sizes", &["layer", "parameters"]);
    /// table.push(vec!["Conv1".into(), "34,944".into()]);
    /// let html = table.to_html();
    /// assert!(html.contains("text-align:left\">Conv1</td>"));
    /// assert!(html.contains("text-align:right\">34,944</td>"));
    /// ```
    pub fn to_html(&self) -> String {
        let align: Vec<&str> = (0..self.header.len())
            .map(|c| {
                let mut cells = self
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .filter(|x| !x.is_empty());
                let first = cells.next();
                if first.is_some_and(|f| is_number(f)) && cells.all(|x| is_number(x)) {
                    "right"
                } else {
                    "left"
                }
            })
            .collect();
        let mut html =
            String::from("<table style=\"border-collapse:collapse;font-family:monospace\">");
        let _ = write!(
            html,
            "<caption style=\"font-weight:bold;text-align:left\">{}</caption><tr>",
            escape(&self.title)
        );
        for (h, a) in self.header.iter().zip(&align) {
            let _ = write!(
                html,
                "<th style=\"border-bottom:1px solid #888;padding:2px 8px;text-align:{a}\">{}</th>",
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
            for (c, cell) in row.iter().enumerate() {
                let a = align.get(c).copied().unwrap_or("left");
                let _ = write!(
                    html,
                    "<td style=\"padding:2px 8px;text-align:{a}\">{}</td>",
                    escape(cell)
                );
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

/// Whether a table cell reads as one number: `17,280`, `-0.2`, `1.2e-10`, `33.8%`.
fn is_number(cell: &str) -> bool {
    let plain = cell.trim().trim_end_matches('%').replace(',', "");
    !plain.is_empty() && plain.parse::<f64>().is_ok()
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

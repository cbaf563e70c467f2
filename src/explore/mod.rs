//! Explorers: a lesson's diagram with sliders, every frame computed in Rust.
//!
//! The Rust kernel has no widgets, but an HTML output it prints is trusted in the session
//! that made it, so its inline script runs. An [`Explorer`] is one such output: one slider
//! per parameter (its name and current value beside it), every combination of the
//! sliders' values drawn beforehand by the same function as the static diagram, and a few
//! lines of plain JavaScript that show the frame for the sliders' values. A combination
//! the diagram refuses (a filter larger than the padded input) shows the error message as
//! its frame. Where scripts do not run (a notebook reopened untrusted, GitHub's viewer) the
//! default frame stays as a static picture.
//!
//! Outputs are bounded: at most [`MAX_SLIDER_VALUES`] values per slider, [`MAX_FRAMES`]
//! frames and [`MAX_OUTPUT_BYTES`](crate::limits::MAX_OUTPUT_BYTES) bytes in all; nothing is
//! loaded from the network, and each explorer has its own element id, so several in one
//! notebook do not interfere.

mod charts;
mod conv;

pub use charts::{activation_histograms_explorer, constraint_explorer, optimizer_paths_explorer};
pub use conv::{
    col2im_explorer, convolution_windows_explorer, im2col_explorer, output_size_explorer,
    pooling_explorer,
};

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::display::MimeBundle;
use crate::error::{Error, Result};
use crate::limits::check_output;
#[cfg(test)]
use crate::limits::MAX_OUTPUT_BYTES;
use crate::plot::Figure;
use crate::table::{escape, Table};

/// The most values one slider takes.
pub const MAX_SLIDER_VALUES: usize = 64;

/// The most frames one explorer draws (the product of its sliders' lengths).
pub const MAX_FRAMES: usize = 400;

/// One slider: the parameter's name as the lesson writes it, and the values it steps
/// through, as they are shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Slider {
    /// The parameter's name, e.g. `"stride"`.
    pub name: String,
    /// Each value as shown beside the slider.
    pub labels: Vec<String>,
    /// The index of the value shown first.
    pub default: usize,
}

/// What a frame can be drawn from: a chart or a table.
pub trait Frame {
    /// The frame as an HTML fragment.
    fn frame_html(&self) -> String;
}

impl Frame for Figure {
    fn frame_html(&self) -> String {
        self.html()
    }
}

impl Frame for Table {
    fn frame_html(&self) -> String {
        self.to_html()
    }
}

/// A diagram with sliders: one HTML output with every frame drawn in Rust.
#[derive(Clone, Debug, PartialEq)]
pub struct Explorer {
    title: String,
    sliders: Vec<Slider>,
    /// Frame k is the combination whose slider indices, read as a number whose digit i
    /// counts up to `sliders[i].labels.len()`, make k (the last slider varies fastest).
    frames: Vec<String>,
    id: String,
}

/// The values of a slider from whatever the caller passed (`1..=3`, `[0.1, 0.3]`, a
/// `Vec`), refused when empty or longer than [`MAX_SLIDER_VALUES`] (an unbounded range is
/// read only that far).
pub(crate) fn slider_values<T>(name: &str, values: impl IntoIterator<Item = T>) -> Result<Vec<T>> {
    let values: Vec<T> = values.into_iter().take(MAX_SLIDER_VALUES + 1).collect();
    if values.is_empty() || values.len() > MAX_SLIDER_VALUES {
        let count = if values.is_empty() {
            "no values".to_string()
        } else {
            format!("more than {MAX_SLIDER_VALUES} values")
        };
        return Err(Error::param(
            name,
            count,
            format!("a slider takes 1 to {MAX_SLIDER_VALUES} values: give a shorter range"),
        ));
    }
    Ok(values)
}

impl Slider {
    /// A slider over `values`, shown with `Display`, starting at the first.
    pub fn new<T: std::fmt::Display>(name: &str, values: &[T]) -> Slider {
        Slider {
            name: name.to_string(),
            labels: values.iter().map(|v| v.to_string()).collect(),
            default: 0,
        }
    }

    /// The same slider starting at value `index` (the last one if `index` is past it).
    pub fn starting_at(mut self, index: usize) -> Slider {
        self.default = index.min(self.labels.len().saturating_sub(1));
        self
    }
}

/// A unique element id per explorer: a process-wide counter and the clock, so explorers
/// made by different cells (or kernels) of one page never share one.
fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!("dl-explorer-{nanos:x}-{count}")
}

impl Explorer {
    /// Draws `frame(indices)` for every combination of the sliders' values (`indices[i]`
    /// is slider i's value index). A frame that fails shows its error message. Refused
    /// before drawing anything when the sliders make more than [`MAX_FRAMES`] frames or a
    /// slider's default is not one of its values, and while drawing when the frames pass
    /// `MAX_OUTPUT_BYTES`.
    ///
    /// ```
    /// use dl_lessons::explore::{Explorer, Slider};
    /// use dl_lessons::prelude::*;
    /// let strides = [1, 2, 3];
    /// let explorer = Explorer::new("windows", vec![Slider::new("stride", &strides)], |i| {
    ///     convolution_windows(5, 5, 3, 3, strides[i[0]], 0, 0)
    /// })?;
    /// assert_eq!(explorer.frames().len(), 3);
    /// assert!(explorer.frames()[2].contains("OH = (5 + 2·0 − 3) / 3 + 1 = 1"));
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new<F, D>(title: &str, sliders: Vec<Slider>, mut frame: D) -> Result<Explorer>
    where
        D: FnMut(&[usize]) -> Result<F>,
        F: Frame,
    {
        let count = sliders
            .iter()
            .try_fold(1usize, |n, s| n.checked_mul(s.labels.len()));
        let sizes = || {
            sliders
                .iter()
                .map(|s| format!("{} ({} values)", s.name, s.labels.len()))
                .collect::<Vec<_>>()
                .join(" × ")
        };
        let count = match count {
            Some(n) if (1..=MAX_FRAMES).contains(&n) => n,
            _ => {
                return Err(Error::param(
                    "the sliders' ranges",
                    sizes(),
                    format!(
                        "an explorer draws 1 to {MAX_FRAMES} frames, one per combination: shrink a range"
                    ),
                ))
            }
        };
        if let Some(s) = sliders.iter().find(|s| s.default >= s.labels.len()) {
            return Err(Error::param(
                format!("{}'s default", s.name),
                s.default,
                format!("must be below its {} values", s.labels.len()),
            ));
        }
        let mut frames = Vec::with_capacity(count);
        let mut bytes = 0u128;
        for k in 0..count {
            // frame k's slider indices: k read digit by digit, the last slider fastest
            // (the inverse of frame_index)
            let mut indices = vec![0; sliders.len()];
            let mut rest = k;
            for (i, s) in sliders.iter().enumerate().rev() {
                indices[i] = rest % s.labels.len();
                rest /= s.labels.len();
            }
            let html = match frame(&indices) {
                Ok(f) => f.frame_html(),
                Err(e) => format!(
                    r#"<pre style="color:#b00020;white-space:pre-wrap;max-width:40em">{}</pre>"#,
                    escape(&e.to_string())
                ),
            };
            let values = sliders
                .iter()
                .zip(&indices)
                .map(|(s, &i)| format!("{}={}", s.name, s.labels[i]))
                .collect::<Vec<_>>()
                .join(", ");
            let html = format!(
                r#"<div class="dl-frame" data-values="{}">{html}</div>"#,
                escape(&values)
            );
            bytes += html.len() as u128;
            check_output(
                || format!("the explorer's frames ({})", sizes()),
                Some(bytes),
                "shrink a range: fewer frames",
            )?;
            frames.push(html);
        }
        Ok(Explorer {
            title: title.to_string(),
            sliders,
            frames,
            id: unique_id(),
        })
    }

    /// The sliders.
    pub fn sliders(&self) -> &[Slider] {
        &self.sliders
    }

    /// Every frame, each a `<div class="dl-frame" data-values="name=value, …">` around the
    /// diagram (or the error) for that combination.
    pub fn frames(&self) -> &[String] {
        &self.frames
    }

    /// The index in [`frames`](Self::frames) of the combination `indices`.
    pub fn frame_index(&self, indices: &[usize]) -> Option<usize> {
        if indices.len() != self.sliders.len() {
            return None;
        }
        let mut k = 0usize;
        for (s, &i) in self.sliders.iter().zip(indices) {
            if i >= s.labels.len() {
                return None;
            }
            k = k * s.labels.len() + i;
        }
        Some(k)
    }

    /// The frame shown first: every slider at its default.
    pub fn default_frame(&self) -> &str {
        let defaults: Vec<usize> = self.sliders.iter().map(|s| s.default).collect();
        &self.frames[self.frame_index(&defaults).unwrap_or(0)]
    }

    /// The whole output: title, sliders, the default frame, the frames as JSON and the
    /// script that swaps them.
    pub fn to_html(&self) -> String {
        let id = &self.id;
        let mut html = format!(
            r#"<div class="dl-explorer" id="{id}" style="font-family:sans-serif"><div style="font-weight:bold;margin-bottom:4px">{}</div><div class="dl-controls" style="display:flex;flex-wrap:wrap;gap:4px 18px;margin-bottom:6px">"#,
            escape(&self.title)
        );
        for s in &self.sliders {
            let _ = write!(
                html,
                r#"<label style="white-space:nowrap">{name} <input type="range" min="0" max="{max}" step="1" value="{value}" aria-label="{name}"> <output style="font-family:monospace">{shown}</output></label>"#,
                name = escape(&s.name),
                max = s.labels.len() - 1,
                value = s.default,
                shown = escape(&s.labels[s.default]),
            );
        }
        let _ = write!(
            html,
            r#"</div><div class="dl-static" style="color:#666;font-size:85%">A static picture: the sliders work after the cell runs in this session (or in the exported HTML).</div><div class="dl-view">{}</div>"#,
            self.default_frame()
        );
        let labels: Vec<String> = self
            .sliders
            .iter()
            .map(|s| {
                let l: Vec<String> = s.labels.iter().map(|l| json_string(l)).collect();
                format!("[{}]", l.join(","))
            })
            .collect();
        let frames: Vec<String> = self.frames.iter().map(|f| json_string(f)).collect();
        let _ = write!(
            html,
            r#"<script type="application/json" class="dl-data">{{"labels":[{}],"frames":[{}]}}</script><script>{}</script></div>"#,
            labels.join(","),
            frames.join(","),
            SCRIPT.replace("ID", id)
        );
        html
    }

    /// The bundle the notebook shows: `text/html` and, for text-only front ends, the
    /// sliders' ranges.
    pub fn mime_bundle(&self) -> MimeBundle {
        let ranges: Vec<String> = self
            .sliders
            .iter()
            .map(|s| format!("{}: {}", s.name, s.labels.join(", ")))
            .collect();
        MimeBundle {
            entries: vec![
                ("text/html", self.to_html()),
                (
                    "text/plain",
                    format!(
                        "{} — explorer with {} frames; sliders {}",
                        self.title,
                        self.frames.len(),
                        ranges.join("; ")
                    ),
                ),
            ],
        }
    }

    /// Shows the explorer in the Rust kernel.
    pub fn evcxr_display(&self) {
        self.mime_bundle().emit();
    }
}

/// The script: reads the frames, shows the one the sliders select. Plain ES5, wrapped so
/// nothing leaks into the page's global names; runs once per explorer.
const SCRIPT: &str = r#"(function(){var root=document.getElementById("ID");if(!root||root.getAttribute("data-live"))return;root.setAttribute("data-live","1");var data=JSON.parse(root.querySelector("script.dl-data").textContent);var inputs=root.querySelectorAll("input[type=range]");var shown=root.querySelectorAll("output");var view=root.querySelector(".dl-view");function show(){var k=0;for(var i=0;i<inputs.length;i++){var v=+inputs[i].value;k=k*data.labels[i].length+v;shown[i].textContent=data.labels[i][v];}view.innerHTML=data.frames[k];}for(var i=0;i<inputs.length;i++){inputs[i].addEventListener("input",show);}root.querySelector(".dl-static").style.display="none";show();})();"#;

/// `text` as a JSON string that is also safe inside `<script>`: `<` is written `\u003c`, so
/// no `</script>` can end the element early.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> Result<Explorer> {
        let a: Vec<usize> = (0..n).collect();
        let b = ["x", "y"];
        Explorer::new(
            "numbers",
            vec![Slider::new("a", &a), Slider::new("b", &b).starting_at(1)],
            |i| {
                let mut t = Table::new("t", &["a", "b"]);
                t.push(vec![a[i[0]].to_string(), b[i[1]].to_string()]);
                Ok(t)
            },
        )
    }

    #[test]
    fn frames_follow_the_sliders_last_fastest() {
        let e = numbered(3).unwrap();
        assert_eq!(e.frames().len(), 6);
        assert_eq!(e.frame_index(&[2, 1]), Some(5));
        assert!(e.frames()[5].contains(r#"data-values="a=2, b=y""#));
        assert!(e.frames()[2].contains(r#"data-values="a=1, b=x""#));
        assert!(e.default_frame().contains(r#"data-values="a=0, b=y""#));
        assert_eq!(e.frame_index(&[3, 0]), None);
    }

    #[test]
    fn errors_become_frames_and_sizes_are_bounded() {
        let e = Explorer::new("e", vec![Slider::new("k", &[1, 2])], |i| {
            if i[0] == 1 {
                Err(Error::param("k", 2, "is <bad>"))
            } else {
                Ok(Table::new("fine", &["x"]))
            }
        })
        .unwrap();
        assert!(e.frames()[1].contains("k = 2: is &lt;bad&gt;"));
        let err = numbered(MAX_FRAMES).unwrap_err().to_string();
        assert!(err.contains("a (400 values) × b (2 values)"), "{err}");
        let err = slider_values("stride", 1..).unwrap_err().to_string();
        assert!(err.contains("stride = more than 64 values"), "{err}");
        assert!(slider_values("stride", 1..1).is_err());
        let mut off = Slider::new("k", &[1, 2]);
        off.default = 2;
        let err = Explorer::new("e", vec![off], |_| Ok(Table::new("t", &["x"]))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "k's default = 2: must be below its 2 values"
        );
        let big = Explorer::new("big", vec![Slider::new("k", &[0; 8])], |_| {
            Ok(Table::new("x".repeat(MAX_OUTPUT_BYTES / 4), &["x"]))
        });
        assert!(big.unwrap_err().to_string().contains("shrink a range"));
    }

    #[test]
    fn the_html_carries_every_frame_safely_and_a_unique_id() {
        let e = numbered(2).unwrap();
        let html = e.to_html();
        assert_eq!(html.matches("type=\"range\"").count(), 2);
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "no frame ends a script early"
        );
        assert!(html.contains(r#"value="1" aria-label="b""#));
        assert_ne!(numbered(2).unwrap().id, e.id);
        assert_eq!(json_string("a\"<\n"), r#""a\"\u003c\n""#);
    }
}

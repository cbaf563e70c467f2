//! A finished chart: SVG text plus a plain-text description.

use std::path::Path;

use plotters::prelude::*;

use super::panel::{draw_panel, Panel};
use super::plot_error;
use crate::display::MimeBundle;
use crate::error::{Error, Result};
use crate::limits::check_output;

/// The most panels one figure draws.
pub const MAX_PANELS: usize = 32;

/// An SVG chart that renders inline in the notebook.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    svg: String,
    text: String,
}

impl Figure {
    /// Draws `panels` on a grid of `cols` columns, each panel `panel_size` pixels, after
    /// making each drawable whatever its data. `text` is what a text-only front end shows
    /// instead of the picture.
    pub(crate) fn from_panels(
        panels: Vec<Panel>,
        cols: usize,
        panel_size: (u32, u32),
        text: String,
    ) -> Result<Figure> {
        if panels.len() > MAX_PANELS {
            return Err(Error::param(
                "number of panels",
                panels.len(),
                format!("a figure draws at most {MAX_PANELS}: compare fewer runs at once"),
            ));
        }
        let panels: Vec<Panel> = panels.into_iter().map(Panel::drawable).collect();
        let cols = cols.clamp(1, panels.len().max(1));
        let rows = panels.len().div_ceil(cols).max(1);
        let size = (panel_size.0 * cols as u32, panel_size.1 * rows as u32);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            root.fill(&WHITE).map_err(plot_error)?;
            let areas = root.split_evenly((rows, cols));
            for (area, panel) in areas.iter().zip(&panels) {
                draw_panel(area, panel)?;
            }
            root.present().map_err(plot_error)?;
        }
        Figure::from_svg(svg, text)
    }

    /// A figure from a finished SVG document, refused if a browser would choke on it.
    pub(crate) fn from_svg(svg: String, text: String) -> Result<Figure> {
        check_output(
            || "the chart".into(),
            Some(svg.len() as u128),
            "draw less at once",
        )?;
        Ok(Figure { svg, text })
    }

    /// The SVG document.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// What the figure shows, in words and numbers.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The SVG inline in HTML, shrunk to the width of the page when it is wider, in
    /// proportion.
    pub fn html(&self) -> String {
        self.svg
            .replacen("<svg", r#"<svg style="max-width:100%;height:auto""#, 1)
    }

    /// The bundle the notebook shows: `text/html` (the front ends' first choice),
    /// `image/svg+xml` and `text/plain`. JupyterLab shows an `image/svg+xml` output as an
    /// image at its full size, so a figure wider than the notebook (most are 1,100–1,240
    /// pixels) would be cut off on a laptop's screen; inline in HTML it fits.
    pub fn mime_bundle(&self) -> MimeBundle {
        MimeBundle {
            entries: vec![
                ("text/html", self.html()),
                ("image/svg+xml", self.svg.clone()),
                ("text/plain", self.text.clone()),
            ],
        }
    }

    /// Shows the figure in the Rust kernel.
    pub fn evcxr_display(&self) {
        self.mime_bundle().emit();
    }

    /// Writes the SVG to `path`.
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.svg).map_err(|e| Error::data(path, format!("cannot write: {e}")))
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

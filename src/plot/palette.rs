//! The one palette of every chart and diagram: matplotlib's tab10, the strong shade for
//! lines and outlines, the light one (tab20's pairs) for fills.

use plotters::style::RGBColor;

/// An RGB colour.
type Rgb = (u8, u8, u8);

/// (strong, light) for each of the ten colours.
const TAB10: [(Rgb, Rgb); 10] = [
    ((31, 119, 180), (174, 199, 232)),
    ((255, 127, 14), (255, 187, 120)),
    ((44, 160, 44), (152, 223, 138)),
    ((214, 39, 40), (255, 152, 150)),
    ((148, 103, 189), (197, 176, 213)),
    ((140, 86, 75), (196, 156, 148)),
    ((227, 119, 194), (247, 182, 210)),
    ((127, 127, 127), (199, 199, 199)),
    ((188, 189, 34), (219, 219, 141)),
    ((23, 190, 207), (158, 218, 229)),
];

/// Colour `i` (cycling after ten) for plotters.
pub(crate) fn color(i: usize) -> RGBColor {
    let (r, g, b) = TAB10[i % TAB10.len()].0;
    RGBColor(r, g, b)
}

/// Colour `i` as an SVG colour, for outlines and text.
pub(crate) fn stroke(i: usize) -> String {
    let (r, g, b) = TAB10[i % TAB10.len()].0;
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The light shade of colour `i`, for filled cells.
pub(crate) fn fill(i: usize) -> String {
    let (r, g, b) = TAB10[i % TAB10.len()].1;
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Contour lines and other background lines.
pub(crate) const LIGHT_GRAY: RGBColor = RGBColor(200, 200, 210);
/// Marks such as the minimum of a function.
pub(crate) const BLACK: RGBColor = RGBColor(0, 0, 0);
/// Padding cells of a diagram.
pub(crate) const PAD_FILL: &str = "#eeeeee";
/// Cells no window reaches.
pub(crate) const UNREACHED_FILL: &str = "#f4cccc";

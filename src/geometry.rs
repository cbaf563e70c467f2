//! The output-size formula OH = (H + 2P − FH) / S + 1, in one place.
//!
//! Every size that depends on a filter, a stride or padding comes from here: im2col,
//! col2im, the Convolution and Pooling layers, the networks' summaries and the diagrams,
//! so they always agree. All arithmetic is checked: sizes that overflow are an error,
//! never a wrapped number.

use crate::error::{at_least_one, Error, Result};
use crate::limits::product;

/// The number of window positions along one axis: (input + 2·pad − filter) / stride + 1,
/// rounded down when the windows do not fit exactly (as the course's `//` and PyTorch do).
///
/// ```
/// use dl_lessons::geometry::output_size;
/// assert_eq!(output_size(6, 2, 1, 1).unwrap(), 7); // P100: 6x6 input, 2x2 filter, S 1, P 1
/// assert_eq!(output_size(5, 3, 2, 1).unwrap(), 3);
/// assert_eq!(output_size(4, 3, 2, 0).unwrap(), 1); // (4 − 3) / 2 + 1, rounded down
/// assert!(output_size(4, 6, 1, 0).is_err());
/// assert!(output_size(5, 3, 1, 1 << 63).is_err()); // 5 + 2·2^63 overflows
/// ```
pub fn output_size(
    input_size: usize,
    filter_size: usize,
    stride: usize,
    pad: usize,
) -> Result<usize> {
    at_least_one("filter_size", filter_size)?;
    at_least_one("stride", stride)?;
    let padded = padded_size(input_size, pad)?;
    if filter_size > padded {
        let pad_needed = (filter_size - input_size.min(filter_size)).div_ceil(2);
        return Err(Error::Geometry(format!(
            "filter {filter_size} does not fit the padded input {padded} ({input_size} + 2·pad {pad}): \
             choose filter <= {padded} or pad >= {pad_needed}"
        )));
    }
    Ok((padded - filter_size) / stride + 1)
}

/// H + 2P, or an error naming `pad` when it overflows.
fn padded_size(input_size: usize, pad: usize) -> Result<usize> {
    pad.checked_mul(2)
        .and_then(|p| p.checked_add(input_size))
        .ok_or_else(|| {
            Error::param(
                "pad",
                pad,
                format!("{input_size} + 2·pad overflows: choose a smaller pad"),
            )
        })
}

/// The geometry of sliding a `filter_h` × `filter_w` window over (N, C, H, W) input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input shape (N, C, H, W).
    pub input_shape: (usize, usize, usize, usize),
    /// Window height.
    pub filter_h: usize,
    /// Window width.
    pub filter_w: usize,
    /// Step between windows.
    pub stride: usize,
    /// Zeros added on each side.
    pub pad: usize,
    /// Window positions down (OH).
    pub out_h: usize,
    /// Window positions across (OW).
    pub out_w: usize,
}

impl ConvGeometry {
    /// Checks the sizes and computes OH and OW; an error names the numbers that do not fit.
    ///
    /// ```
    /// use dl_lessons::geometry::ConvGeometry;
    /// let g = ConvGeometry::new((1, 1, 4, 4), 3, 3, 2, 0).unwrap();
    /// assert_eq!((g.out_h, g.out_w), (1, 1));
    /// assert_eq!(g.unreached(), (vec![3], vec![3])); // the last row and column are never read
    /// ```
    pub fn new(
        input_shape: (usize, usize, usize, usize),
        filter_h: usize,
        filter_w: usize,
        stride: usize,
        pad: usize,
    ) -> Result<ConvGeometry> {
        let (_, _, h, w) = input_shape;
        let out_h = output_size(h, filter_h, stride, pad)
            .map_err(|e| name_axis(e, "height", "filter_h"))?;
        let out_w =
            output_size(w, filter_w, stride, pad).map_err(|e| name_axis(e, "width", "filter_w"))?;
        // Every product the methods below form must fit (an empty batch included: ndarray
        // needs the non-zero sizes' product to fit), so they can multiply freely.
        let (n, c, _, _) = input_shape;
        let (hp, wp) = (padded_size(h, pad)?, padded_size(w, pad)?);
        let fits = [
            product(&[n, c, hp, wp]),
            product(&[n, out_h, out_w, c, filter_h, filter_w]),
        ];
        if fits.iter().any(Option::is_none) {
            return Err(Error::Geometry(format!(
                "input {input_shape:?} with a {filter_h}x{filter_w} filter, stride {stride}, pad {pad}: \
                 the sizes overflow when multiplied: choose smaller ones"
            )));
        }
        Ok(ConvGeometry {
            input_shape,
            filter_h,
            filter_w,
            stride,
            pad,
            out_h,
            out_w,
        })
    }

    /// Values one window sees, C·FH·FW: the columns of im2col.
    pub fn patch_len(&self) -> usize {
        self.input_shape.1 * self.filter_h * self.filter_w
    }

    /// The padded input's height and width (H + 2P, W + 2P).
    pub fn padded_size(&self) -> (usize, usize) {
        (
            self.input_shape.2 + 2 * self.pad,
            self.input_shape.3 + 2 * self.pad,
        )
    }

    /// The shape of im2col's result: (N·OH·OW, C·FH·FW).
    pub fn col_shape(&self) -> (usize, usize) {
        (
            self.input_shape.0 * self.out_h * self.out_w,
            self.patch_len(),
        )
    }

    /// The output shape of a convolution with `filter_num` filters: (N, FN, OH, OW).
    pub fn output_shape(&self, filter_num: usize) -> (usize, usize, usize, usize) {
        (self.input_shape.0, filter_num, self.out_h, self.out_w)
    }

    /// Elements of im2col's result, of the padded input and of the output with
    /// `filter_num` channels, in that order; `None` if a count overflows. What a caller
    /// checks against the memory limit before allocating.
    pub fn element_counts(&self, filter_num: usize) -> Option<[usize; 3]> {
        let (n, c, _, _) = self.input_shape;
        let (hp, wp) = self.padded_size();
        let col =
            crate::limits::product(&[n, self.out_h, self.out_w, c, self.filter_h, self.filter_w])?;
        let padded = crate::limits::product(&[n, c, hp, wp])?;
        let out = crate::limits::product(&[n, filter_num, self.out_h, self.out_w])?;
        Some([col, padded, out])
    }

    /// Entries of the tables that locate the windows: one per window position (OH·OW) and
    /// one per value of a window (C·FH·FW, pooling's FH·FW per channel plane when C is 0).
    /// Their memory counts too: an empty batch with a huge pad has no values but millions of
    /// positions.
    pub fn table_len(&self) -> usize {
        self.out_h * self.out_w + self.input_shape.1.max(1) * self.filter_h * self.filter_w
    }

    /// The top-left pixel (row, column) of each window in the padded image, windows in
    /// the order of im2col's rows: (i·S, j·S) for window (i, j).
    pub fn window_origins(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.out_h)
            .flat_map(move |i| (0..self.out_w).map(move |j| (i * self.stride, j * self.stride)))
    }

    /// Where each value of a window lies from its top-left pixel, (channel, row, column), in
    /// the order of im2col's columns (the order of `W.reshape(FN, -1)`).
    pub fn window_offsets(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let (c, fh, fw) = (self.input_shape.1, self.filter_h, self.filter_w);
        (0..c).flat_map(move |ch| (0..fh).flat_map(move |y| (0..fw).map(move |x| (ch, y, x))))
    }

    /// Padded rows and columns (indices into the padded image) that no window covers,
    /// because the windows do not fit exactly and the remainder is dropped.
    pub fn unreached(&self) -> (Vec<usize>, Vec<usize>) {
        let (hp, wp) = self.padded_size();
        let last_row = (self.out_h - 1) * self.stride + self.filter_h;
        let last_col = (self.out_w - 1) * self.stride + self.filter_w;
        ((last_row..hp).collect(), (last_col..wp).collect())
    }

    /// OH = (H + 2P − FH) / S + 1 with the numbers filled in.
    pub fn formula(&self) -> String {
        let (_, _, h, w) = self.input_shape;
        let (s, p) = (self.stride, self.pad);
        format!(
            "OH = ({h} + 2·{p} − {fh}) / {s} + 1 = {oh}, OW = ({w} + 2·{p} − {fw}) / {s} + 1 = {ow}",
            fh = self.filter_h,
            fw = self.filter_w,
            oh = self.out_h,
            ow = self.out_w
        )
    }
}

/// Says which axis and which filter parameter an output-size error is about.
fn name_axis(error: Error, axis: &str, filter: &str) -> Error {
    match error {
        Error::Geometry(message) => Error::Geometry(format!("{filter} ({axis}): {message}")),
        Error::InvalidParameter { name, value, rule } if name == "filter_size" => {
            Error::InvalidParameter {
                name: filter.to_string(),
                value,
                rule,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_that_overflow_are_errors_naming_pad() {
        let e = output_size(5, 3, 1, usize::MAX / 2 + 1)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("pad = "), "{e}");
        let e = ConvGeometry::new((1, 1, 4, 4), 0, 3, 1, 0)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "filter_h = 0: must be at least 1");
        // sizes whose products overflow are refused here, so the methods multiply freely
        let e = ConvGeometry::new((usize::MAX, 2, 4, 4), 3, 3, 1, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the sizes overflow when multiplied"), "{e}");
        assert!(ConvGeometry::new((0, 0, 0, 0), 1, 1, 1, 1 << 40).is_err()); // empty, but OH·OW overflows
    }

    #[test]
    fn a_filter_larger_than_the_input_says_what_to_change() {
        let e = output_size(4, 7, 1, 0).unwrap_err().to_string();
        assert_eq!(e, "filter 7 does not fit the padded input 4 (4 + 2·pad 0): choose filter <= 4 or pad >= 2");
    }
}

//! The output-size formula OH = (H + 2P − FH) / S + 1, in one place.

use crate::error::{at_least_one, Error, Result};

/// The number of window positions along one axis: (input + 2·pad − filter) / stride + 1,
/// rounded down when the windows do not fit exactly (as the course's `//` and PyTorch do).
///
/// ```
/// use dl_lessons::conv::output_size;
/// assert_eq!(output_size(6, 2, 1, 1).unwrap(), 7); // P100: 6x6 input, 2x2 filter, S 1, P 1
/// assert_eq!(output_size(5, 3, 2, 1).unwrap(), 3);
/// assert_eq!(output_size(4, 3, 2, 0).unwrap(), 1); // (4 − 3) / 2 + 1, rounded down
/// assert!(output_size(4, 6, 1, 0).is_err());
/// ```
pub fn output_size(
    input_size: usize,
    filter_size: usize,
    stride: usize,
    pad: usize,
) -> Result<usize> {
    at_least_one("filter size", filter_size)?;
    at_least_one("stride", stride)?;
    let padded = input_size + 2 * pad;
    if filter_size > padded {
        return Err(Error::Geometry(format!(
            "filter {filter_size} does not fit the padded input {padded} ({input_size} + 2·pad {pad}): \
             choose filter <= {padded} or pad >= {}",
            (filter_size - input_size).div_ceil(2)
        )));
    }
    Ok((padded - filter_size) / stride + 1)
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
    /// use dl_lessons::conv::ConvGeometry;
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

    /// Rows (C·FH·FW) of one im2col row: the values one window sees.
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

    /// Padded rows and columns (indices into the padded image) that no window covers,
    /// because the windows do not fit exactly and the remainder is dropped.
    pub fn unreached(&self) -> (Vec<usize>, Vec<usize>) {
        let (_, _, h, w) = self.input_shape;
        let last_row = (self.out_h - 1) * self.stride + self.filter_h;
        let last_col = (self.out_w - 1) * self.stride + self.filter_w;
        (
            (last_row..h + 2 * self.pad).collect(),
            (last_col..w + 2 * self.pad).collect(),
        )
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
        other => other,
    }
}

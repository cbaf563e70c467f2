//! Real MNIST from its IDX files (`train-images-idx3-ubyte` etc., raw or `.gz`).
//!
//! IDX: a big-endian magic number (2051 for images, 2049 for labels), the sizes as
//! big-endian u32, then one byte per pixel or label. Pixels are divided by 255 as the
//! course's `load_mnist(normalize=True)` does.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array3};

use super::Dataset;
use crate::error::{Error, Result};
use crate::limits::{f64_bytes, memory_limit, product};

const IMAGES_MAGIC: u32 = 2051;
const LABELS_MAGIC: u32 = 2049;

fn read_file(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::data(path, format!("cannot read: {e}")))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        gunzip(path, &raw)
    } else {
        Ok(raw)
    }
}

/// The gzip'd file `raw` decompressed, within the memory limit.
#[cfg(feature = "gzip")]
fn gunzip(path: &Path, raw: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read;
    {
        // a pixel becomes 8 bytes as f64: stop decompressing well before that exceeds the limit
        let limit = memory_limit() / 8;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(raw)
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::data(path, format!("not a valid gzip file: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(Error::data(
                path,
                format!("decompresses to more than {limit} bytes, beyond the memory limit"),
            ));
        }
        Ok(bytes)
    }
}

/// Without the `gzip` feature, a gzip'd file is refused with what to do.
#[cfg(not(feature = "gzip"))]
fn gunzip(path: &Path, _raw: &[u8]) -> Result<Vec<u8>> {
    Err(Error::data(
        path,
        "gzip-compressed: decompress it first (`gunzip FILE`), or load the library with \
         `:dep dl_lessons = { path = \"..\", features = [\"gzip\"] }`",
    ))
}

/// Checks the magic number and reads the `dims` sizes that follow it.
fn header(path: &Path, bytes: &[u8], magic: u32, dims: usize) -> Result<Vec<usize>> {
    let word = |i: usize| -> Option<u32> {
        let b = bytes.get(4 * i..4 * i + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match word(0) {
        None => {
            return Err(Error::data(
                path,
                format!("truncated: {} bytes, no IDX magic number", bytes.len()),
            ))
        }
        Some(found) if found != magic => {
            return Err(Error::data(
                path,
                format!(
                    "wrong magic number {found} (expected {magic}): not an IDX file of this kind"
                ),
            ))
        }
        Some(_) => {}
    }
    let header_len = 4 * (1 + dims);
    let sizes: Option<Vec<usize>> = (1..=dims).map(|i| word(i).map(|w| w as usize)).collect();
    let Some(sizes) = sizes else {
        return Err(Error::data(
            path,
            format!(
                "truncated: {} bytes, shorter than the {header_len}-byte IDX header",
                bytes.len()
            ),
        ));
    };
    let values = product(&sizes)
        .filter(|&values| f64_bytes(&[values]).is_some_and(|b| b <= u128::from(memory_limit())))
        .ok_or_else(|| {
            Error::data(
                path,
                format!("the header's sizes {sizes:?} ask for more than the memory limit"),
            )
        })?;
    let expected = header_len + values;
    if bytes.len() < expected {
        return Err(Error::data(
            path,
            format!(
                "truncated: {} bytes, but the header {sizes:?} needs {expected}",
                bytes.len()
            ),
        ));
    }
    Ok(sizes)
}

/// Images of an IDX3 file as (N, rows, cols) with pixels scaled to 0..1.
pub fn load_idx_images(path: impl AsRef<Path>) -> Result<Array3<f64>> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    let sizes = header(path, &bytes, IMAGES_MAGIC, 3)?;
    let pixels = &bytes[16..16 + sizes.iter().product::<usize>()];
    let values: Vec<f64> = pixels.iter().map(|&p| f64::from(p) / 255.0).collect();
    Ok(Array3::from_shape_vec((sizes[0], sizes[1], sizes[2]), values).expect("sizes checked"))
}

/// Labels of an IDX1 file.
pub fn load_idx_labels(path: impl AsRef<Path>) -> Result<Array1<usize>> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    let sizes = header(path, &bytes, LABELS_MAGIC, 1)?;
    Ok(bytes[8..8 + sizes[0]]
        .iter()
        .map(|&l| usize::from(l))
        .collect())
}

/// `dir/name`, or `dir/name.gz` when only that exists.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    let raw = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    if raw.is_file() {
        Ok(raw)
    } else if gz.is_file() {
        Ok(gz)
    } else {
        Err(Error::data(
            raw,
            format!(
                "missing (neither {name} nor {name}.gz is in {})",
                dir.display()
            ),
        ))
    }
}

impl Dataset {
    /// MNIST from the four standard IDX files in `dir` (each raw or `.gz`): 60,000
    /// training and 10,000 test images as (N, 1, 28, 28), pixels in 0..1.
    pub fn mnist(dir: impl AsRef<Path>) -> Result<Dataset> {
        let dir = dir.as_ref();
        let images = |name: &str| -> Result<ndarray::ArrayD<f64>> {
            let x = load_idx_images(find(dir, name)?)?;
            let (n, h, w) = x.dim();
            Ok(x.into_shape_with_order((n, 1, h, w))?.into_dyn())
        };
        let labels = |name: &str| load_idx_labels(find(dir, name)?);
        let x_train = images("train-images-idx3-ubyte")?;
        let t_train = labels("train-labels-idx1-ubyte")?;
        let x_test = images("t10k-images-idx3-ubyte")?;
        let t_test = labels("t10k-labels-idx1-ubyte")?;
        for (what, x, t) in [("train", &x_train, &t_train), ("t10k", &x_test, &t_test)] {
            if x.shape()[0] != t.len() {
                return Err(Error::data(
                    dir,
                    format!("{what}: {} images but {} labels", x.shape()[0], t.len()),
                ));
            }
        }
        let classes = t_train
            .iter()
            .chain(t_test.iter())
            .max()
            .map_or(0, |m| m + 1);
        let data = Dataset {
            x_train,
            t_train,
            x_test,
            t_test,
            classes,
            name: "MNIST".into(),
        };
        data.validate()
            .map_err(|e| Error::data(dir, e.to_string()))?;
        Ok(data)
    }
}

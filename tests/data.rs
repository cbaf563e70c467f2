//! The MNIST IDX loader on small files written by the test, raw and (with the `gzip`
//! feature) gzip'd, and its errors.

use std::io::Write;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use dl_lessons::data::{load_idx_images, load_idx_labels, Dataset};

/// A fresh folder under the system's temp folder, removed when the test ends.
struct TempDir(PathBuf);

impl Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("dl_lessons_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn idx_images(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [2051, n, rows, cols] {
        bytes.extend_from_slice(&u32::to_be_bytes(word));
    }
    bytes.extend((0..n * rows * cols).map(|i| (i % 256) as u8));
    bytes
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [2049, labels.len() as u32] {
        bytes.extend_from_slice(&u32::to_be_bytes(word));
    }
    bytes.extend_from_slice(labels);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn images_and_labels_are_read_and_scaled() {
    let dir = temp_dir("read");
    write(&dir, "img", &idx_images(2, 3, 2));
    let x = load_idx_images(dir.join("img")).unwrap();
    assert_eq!(x.dim(), (2, 3, 2));
    assert_eq!(x[[0, 0, 1]], 1.0 / 255.0);
    assert_eq!(x[[1, 2, 1]], 11.0 / 255.0);
}

#[cfg(feature = "gzip")]
#[test]
fn a_folder_of_mixed_raw_and_gz_files_loads_as_images() {
    let dir = temp_dir("mnist");
    write(
        &dir,
        "train-images-idx3-ubyte.gz",
        &gzip(&idx_images(4, 28, 28)),
    );
    write(&dir, "train-labels-idx1-ubyte", &idx_labels(&[0, 1, 2, 3]));
    write(&dir, "t10k-images-idx3-ubyte", &idx_images(2, 28, 28));
    write(
        &dir,
        "t10k-labels-idx1-ubyte.gz",
        &gzip(&idx_labels(&[9, 5])),
    );
    let data = Dataset::mnist(&dir).unwrap();
    assert_eq!(
        load_idx_labels(dir.join("t10k-labels-idx1-ubyte.gz"))
            .unwrap()
            .to_vec(),
        vec![9, 5]
    );
    assert_eq!(data.x_train.shape(), &[4, 1, 28, 28]);
    assert_eq!(data.x_test.shape(), &[2, 1, 28, 28]);
    assert_eq!(data.classes(), 10);
    assert_eq!(data.flattened().x_train.shape(), &[4, 784]);
}

#[test]
fn a_missing_file_is_named() {
    let dir = temp_dir("missing");
    let e = Dataset::mnist(&dir).unwrap_err().to_string();
    assert!(
        e.contains("train-images-idx3-ubyte") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn a_truncated_file_says_how_short_it_is() {
    let dir = temp_dir("truncated");
    let mut bytes = idx_images(2, 3, 2);
    bytes.truncate(20);
    write(&dir, "img", &bytes);
    let e = load_idx_images(dir.join("img")).unwrap_err().to_string();
    assert!(
        e.contains("img") && e.contains("truncated: 20 bytes") && e.contains("needs 28"),
        "{e}"
    );
    write(&dir, "short", &[0, 0, 8, 3, 0, 0, 0, 2]);
    let e = load_idx_images(dir.join("short")).unwrap_err().to_string();
    assert!(e.contains("shorter than the 16-byte IDX header"), "{e}");
    write(&dir, "empty", &[]);
    let e = load_idx_images(dir.join("empty")).unwrap_err().to_string();
    assert!(e.contains("truncated: 0 bytes, no IDX magic number"), "{e}");
}

#[test]
fn a_wrong_magic_number_is_reported() {
    let dir = temp_dir("magic");
    write(&dir, "labels-as-images", &idx_labels(&[1, 2, 3]));
    let e = load_idx_images(dir.join("labels-as-images"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("labels-as-images") && e.contains("wrong magic number 2049 (expected 2051)"),
        "{e}"
    );
}

#[cfg(not(feature = "gzip"))]
#[test]
fn a_gzip_file_without_the_feature_says_what_to_do() {
    let dir = temp_dir("nogzip");
    write(&dir, "lab.gz", &gzip(&idx_labels(&[7, 2, 9])));
    let e = load_idx_labels(dir.join("lab.gz")).unwrap_err().to_string();
    assert!(
        e.contains("gunzip") && e.contains(r#"features = ["gzip"]"#),
        "{e}"
    );
}

/// A crafted header whose sizes multiply past usize or the memory limit is refused
/// before anything is allocated.
#[test]
fn a_crafted_header_is_refused_without_allocating() {
    let dir = temp_dir("crafted");
    let mut bytes = Vec::new();
    for word in [2051u32, u32::MAX, u32::MAX, u32::MAX] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    write(&dir, "huge", &bytes);
    let e = load_idx_images(dir.join("huge")).unwrap_err().to_string();
    assert!(e.contains("memory limit"), "{e}");
}

#[cfg(feature = "gzip")]
#[test]
fn a_corrupt_gzip_file_is_reported() {
    let dir = temp_dir("gzip");
    let mut bytes = gzip(&idx_labels(&[1, 2, 3]));
    bytes.truncate(12);
    write(&dir, "bad.gz", &bytes);
    let e = load_idx_labels(dir.join("bad.gz")).unwrap_err().to_string();
    assert!(
        e.contains("bad.gz") && e.contains("not a valid gzip file"),
        "{e}"
    );
}

#[test]
fn digits_reshape_to_images() {
    let data = Dataset::digits(0).images(1, 8, 8).unwrap();
    assert_eq!(data.x_train.shape(), &[1500, 1, 8, 8]);
    let e = Dataset::digits(0)
        .images(1, 28, 28)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "image shape = (1, 28, 28): must hold the 64 values of a sample"
    );
}

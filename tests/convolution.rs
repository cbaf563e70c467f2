//! im2col, col2im and the convolution layers against the course's numbers, a nested-loop
//! reference, the adjoint identity and numerical gradients.

use dl_lessons::init::{randn, rng};
use dl_lessons::layers::{check_layer_gradients, Convolution, Layer, Mode, Pooling};
use dl_lessons::ndarray::{Array1, Array2, Array4, Zip};
use dl_lessons::prelude::{col2im, im2col, im2col_without_transpose, output_size};

/// The input printed in the course's 2_6 solution notebook (section 2.2 of the reference).
fn course_input() -> Array4<f64> {
    let values = [
        54., 49., 43., 77., 65., 46., 25., 53., 55., 96., 31., 63., 66., 10., 56., 20., //
        67., 79., 6., 11., 14., 44., 82., 45., 84., 93., 71., 65., 74., 27., 16., 89.,
    ];
    Array4::from_shape_vec((2, 1, 4, 4), values.to_vec()).unwrap()
}

fn rows(a: &Array2<f64>) -> Vec<Vec<f64>> {
    a.rows().into_iter().map(|r| r.to_vec()).collect()
}

#[test]
fn im2col_reproduces_the_course_try() {
    let col = im2col(&course_input(), 3, 3, 1, 0).unwrap();
    assert_eq!(col.dim(), (8, 9));
    let r = rows(&col);
    assert_eq!(r[0], vec![54., 49., 43., 65., 46., 25., 55., 96., 31.]);
    assert_eq!(r[1], vec![49., 43., 77., 46., 25., 53., 96., 31., 63.]);
    assert_eq!(r[2], vec![65., 46., 25., 55., 96., 31., 66., 10., 56.]);
    assert_eq!(r[3], vec![46., 25., 53., 96., 31., 63., 10., 56., 20.]);
    assert_eq!(r[4], vec![67., 79., 6., 14., 44., 82., 84., 93., 71.]);
}

#[test]
fn im2col_without_transpose_reproduces_the_scrambled_rows() {
    let col = im2col_without_transpose(&course_input(), 3, 3, 1, 0).unwrap();
    assert_eq!(col.dim(), (8, 9));
    let expected = [
        [54., 49., 65., 46., 49., 43., 46., 25., 43.],
        [77., 25., 53., 65., 46., 55., 96., 46., 25.],
        [96., 31., 25., 53., 31., 63., 55., 96., 66.],
        [10., 96., 31., 10., 56., 31., 63., 56., 20.],
        [67., 79., 14., 44., 79., 6., 44., 82., 6.],
        [11., 82., 45., 14., 44., 84., 93., 44., 82.],
        [93., 71., 82., 45., 71., 65., 84., 93., 74.],
        [27., 93., 71., 27., 16., 71., 65., 16., 89.],
    ];
    assert_eq!(
        rows(&col),
        expected.iter().map(|r| r.to_vec()).collect::<Vec<_>>()
    );
}

#[test]
fn col2im_reproduces_the_course_solution() {
    let x = course_input();
    let img = col2im(&im2col(&x, 3, 3, 1, 0).unwrap(), (2, 1, 4, 4), 3, 3, 1, 0).unwrap();
    let sample0 = [
        54., 98., 86., 77., 130., 184., 100., 106., 110., 384., 124., 126., 66., 20., 112., 20.,
    ];
    let sample1 = [
        67., 158., 12., 11., 28., 176., 328., 90., 168., 372., 284., 130., 74., 54., 32., 89.,
    ];
    let got = img.into_raw_vec_and_offset().0;
    assert_eq!(&got[..16], &sample0);
    assert_eq!(&got[16..], &sample1);
}

#[test]
fn filter_6_stride_2_pad_1_covers_each_pixel_once() {
    let x = course_input();
    let col = im2col(&x, 6, 6, 2, 1).unwrap();
    assert_eq!(col.dim(), (2, 36));
    // the padded 6x6 image flattened: pixels at 7-10, 13-16, 19-22, 25-28
    let row0 = col.row(0).to_vec();
    let positions: Vec<usize> = (0..36).filter(|&k| row0[k] != 0.0).collect();
    assert_eq!(
        positions,
        vec![7, 8, 9, 10, 13, 14, 15, 16, 19, 20, 21, 22, 25, 26, 27, 28]
    );
    // C = 1 and OH = OW = 1: the transpose only moves axes of size 1
    assert_eq!(im2col_without_transpose(&x, 6, 6, 2, 1).unwrap(), col);
    assert_eq!(col2im(&col, (2, 1, 4, 4), 6, 6, 2, 1).unwrap(), x); // no overlap: an exact inverse
}

#[test]
fn output_size_p100_and_errors_name_the_numbers() {
    assert_eq!(output_size(6, 2, 1, 1).unwrap(), 7);
    assert_eq!(output_size(5, 3, 2, 1).unwrap(), 3);
    assert_eq!(
        output_size(4, 6, 1, 0).unwrap_err().to_string(),
        "filter 6 does not fit the padded input 4 (4 + 2·pad 0): choose filter <= 4 or pad >= 1"
    );
    assert_eq!(
        output_size(4, 3, 0, 0).unwrap_err().to_string(),
        "stride = 0: must be at least 1"
    );
    assert_eq!(
        output_size(4, 0, 1, 0).unwrap_err().to_string(),
        "filter_size = 0: must be at least 1"
    );
    let e = im2col(&course_input(), 3, 7, 1, 1).unwrap_err().to_string();
    assert!(
        e.starts_with("filter_w (width): filter 7 does not fit the padded input 6"),
        "{e}"
    );
    let e = col2im(&Array2::zeros((3, 9)), (2, 1, 4, 4), 3, 3, 1, 0)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("col has shape (3, 9) but input_shape (2, 1, 4, 4)")
            && e.contains("gives im2col shape (8, 9)"),
        "{e}"
    );
}

/// The geometries the property tests run over: strides, pads, channel counts and sizes
/// that do not divide evenly.
/// (input shape, filter_h, filter_w, stride, pad)
type Case = ((usize, usize, usize, usize), usize, usize, usize, usize);

const CASES: [Case; 7] = [
    ((2, 1, 4, 4), 3, 3, 1, 0),
    ((2, 3, 5, 5), 3, 3, 2, 1),
    ((1, 2, 7, 6), 3, 2, 2, 0), // 7 and 6 do not divide: the last row is never read
    ((3, 2, 6, 6), 2, 2, 2, 0),
    ((1, 1, 5, 4), 4, 3, 3, 2),
    ((2, 4, 3, 3), 1, 1, 1, 0),
    ((1, 3, 8, 8), 5, 5, 1, 2),
];

fn reference_convolution(
    x: &Array4<f64>,
    w: &Array4<f64>,
    b: &Array1<f64>,
    stride: usize,
    pad: usize,
) -> Array4<f64> {
    let (n, c, h, width) = x.dim();
    let (fn_, _, fh, fw) = w.dim();
    let oh = (h + 2 * pad - fh) / stride + 1;
    let ow = (width + 2 * pad - fw) / stride + 1;
    let mut out = Array4::zeros((n, fn_, oh, ow));
    for s in 0..n {
        for f in 0..fn_ {
            for i in 0..oh {
                for j in 0..ow {
                    let mut sum = b[f];
                    for ch in 0..c {
                        for y in 0..fh {
                            for xx in 0..fw {
                                let (py, px) = (i * stride + y, j * stride + xx);
                                if py >= pad && px >= pad && py - pad < h && px - pad < width {
                                    sum += w[[f, ch, y, xx]] * x[[s, ch, py - pad, px - pad]];
                                }
                            }
                        }
                    }
                    out[[s, f, i, j]] = sum;
                }
            }
        }
    }
    out
}

#[test]
fn convolution_forward_equals_the_nested_loop_reference() {
    for (k, &(shape, fh, fw, stride, pad)) in CASES.iter().enumerate() {
        let x: Array4<f64> = randn(shape, 1.0, &mut rng(k as u64)).unwrap();
        let w: Array4<f64> = randn((3, shape.1, fh, fw), 1.0, &mut rng(100 + k as u64)).unwrap();
        let b: Array1<f64> = randn(3, 1.0, &mut rng(200 + k as u64)).unwrap();
        let expected = reference_convolution(&x, &w, &b, stride, pad);
        let mut conv = Convolution::new(w, b, stride, pad).unwrap();
        let out = conv.forward(&x.into_dyn(), Mode::Eval).unwrap();
        assert_eq!(out.shape(), expected.shape(), "case {k}");
        for (a, e) in out.iter().zip(expected.iter()) {
            assert!((a - e).abs() < 1e-12, "case {k}: {a} vs {e}");
        }
    }
}

#[test]
fn col2im_is_adjoint_of_im2col() {
    for (k, &(shape, fh, fw, stride, pad)) in CASES.iter().enumerate() {
        let x: Array4<f64> = randn(shape, 1.0, &mut rng(k as u64)).unwrap();
        let col = im2col(&x, fh, fw, stride, pad).unwrap();
        let c: Array2<f64> = randn(col.raw_dim(), 1.0, &mut rng(50 + k as u64)).unwrap();
        let back = col2im(&c, shape, fh, fw, stride, pad).unwrap();
        let lhs: f64 = Zip::from(&col).and(&c).fold(0.0, |acc, a, b| acc + a * b);
        let rhs: f64 = Zip::from(&x).and(&back).fold(0.0, |acc, a, b| acc + a * b);
        assert!(
            (lhs - rhs).abs() < 1e-9 * lhs.abs().max(1.0),
            "case {k}: {lhs} vs {rhs}"
        );
    }
}

#[test]
fn convolution_gradients() {
    for (k, &(shape, fh, fw, stride, pad)) in CASES.iter().enumerate().take(5) {
        let w: Array4<f64> = randn((2, shape.1, fh, fw), 0.5, &mut rng(k as u64)).unwrap();
        let b: Array1<f64> = randn(2, 0.5, &mut rng(10 + k as u64)).unwrap();
        let mut conv = Convolution::new(w, b, stride, pad).unwrap();
        let x: Array4<f64> = randn(shape, 1.0, &mut rng(20 + k as u64)).unwrap();
        let check = check_layer_gradients(&mut conv, &x.into_dyn(), k as u64).unwrap();
        for row in &check.rows {
            assert!(row.relative_error < 1e-7, "case {k}: {row:?}");
        }
    }
}

#[test]
fn pooling_gradients_max_and_average() {
    for (k, &(shape, ph, pw, stride, pad)) in CASES.iter().enumerate().take(4) {
        // distinct values, so no window has a tie that a nudge could flip
        let x = Array4::from_shape_fn(shape, |(a, b, c, d)| {
            ((a * 131 + b * 71 + c * 17 + d * 7) % 97) as f64 * 0.01
        });
        for mut pooling in [
            Pooling::new(ph, pw, stride, pad).unwrap(),
            Pooling::average(ph, pw, stride, pad).unwrap(),
        ] {
            let check =
                check_layer_gradients(&mut pooling, &x.clone().into_dyn(), k as u64).unwrap();
            for row in &check.rows {
                assert!(
                    row.relative_error < 1e-7,
                    "case {k} {}: {row:?}",
                    pooling.name()
                );
            }
        }
    }
}

/// The course's pooling: im2col, then the max (first on ties) of each channel's window;
/// backward puts dout at the arg max and adds the windows back with col2im.
fn course_max_pooling(
    x: &Array4<f64>,
    size: usize,
    stride: usize,
    pad: usize,
    dout: &Array4<f64>,
) -> (Array4<f64>, Array4<f64>) {
    let (n, c, _, _) = x.dim();
    let col = im2col(x, size, size, stride, pad).unwrap();
    let windows = col
        .into_shape_with_order((col_len(x, size, stride, pad) * c, size * size))
        .unwrap();
    let mut dcol = Array2::<f64>::zeros(windows.raw_dim());
    let (oh, ow) = (dout.dim().2, dout.dim().3);
    let mut out = Array4::<f64>::zeros((n, c, oh, ow));
    for (r, row) in windows.rows().into_iter().enumerate() {
        // rows are ordered (n, oh, ow, c)
        let (sample, i, j, ch) = (r / (oh * ow * c), r / (ow * c) % oh, r / c % ow, r % c);
        let arg = (0..row.len()).fold(0, |best, k| if row[k] > row[best] { k } else { best });
        out[[sample, ch, i, j]] = row[arg];
        dcol[[r, arg]] = dout[[sample, ch, i, j]];
    }
    let dcol = dcol
        .into_shape_with_order((n * oh * ow, c * size * size))
        .unwrap();
    (
        out,
        col2im(&dcol, x.dim(), size, size, stride, pad).unwrap(),
    )
}

fn col_len(x: &Array4<f64>, size: usize, stride: usize, pad: usize) -> usize {
    let (n, _, h, w) = x.dim();
    n * output_size(h, size, stride, pad).unwrap() * output_size(w, size, stride, pad).unwrap()
}

#[test]
fn max_pooling_equals_the_course_algorithm() {
    // the course's 2x2 stride 2 (a fast path), odd sizes, overlap, padding
    let cases = [
        ((2, 3, 6, 4), 2, 2, 0),
        ((2, 2, 5, 7), 2, 2, 0),
        ((1, 2, 6, 6), 3, 1, 0),
        ((2, 1, 5, 5), 3, 2, 1),
    ];
    for (k, (shape, size, stride, pad)) in cases.into_iter().enumerate() {
        let mut r = rng(k as u64);
        // integers make ties, which must go to the first maximum as in numpy
        let x = randn(shape, 2.0, &mut r).unwrap().mapv(|v: f64| v.round());
        let mut pooling = Pooling::new(size, size, stride, pad).unwrap();
        let out = pooling.forward(&x.clone().into_dyn(), Mode::Train).unwrap();
        let dout: Array4<f64> = randn(out.shape().to_vec(), 1.0, &mut r)
            .unwrap()
            .into_dimensionality()
            .unwrap();
        let dx = pooling.backward(&dout.clone().into_dyn()).unwrap();
        let (course_out, course_dx) = course_max_pooling(&x, size, stride, pad, &dout);
        assert_eq!(out, course_out.into_dyn(), "case {k}: forward");
        assert_eq!(dx, course_dx.into_dyn(), "case {k}: backward");
    }
}

#[test]
fn max_pooling_ties_go_to_the_first_maximum() {
    let x = Array4::from_shape_vec((1, 1, 2, 2), vec![3.0, 3.0, 1.0, 3.0]).unwrap();
    let mut pooling = Pooling::new(2, 2, 2, 0).unwrap();
    pooling.forward(&x.into_dyn(), Mode::Train).unwrap();
    assert_eq!(pooling.arg_max().into_raw_vec_and_offset().0, vec![0]);
    let dx = pooling
        .backward(&Array4::from_elem((1, 1, 1, 1), 5.0).into_dyn())
        .unwrap();
    assert_eq!(dx.into_raw_vec_and_offset().0, vec![5.0, 0.0, 0.0, 0.0]);
}

#[test]
fn bad_layer_settings_and_shapes_are_errors_naming_both_shapes() {
    assert_eq!(
        Pooling::new(2, 2, 0, 0).err().unwrap().to_string(),
        "stride = 0: must be at least 1"
    );
    assert_eq!(
        Pooling::new(0, 2, 1, 0).err().unwrap().to_string(),
        "pool_h = 0: must be at least 1"
    );
    let e = Convolution::new(Array4::zeros((3, 1, 2, 2)), Array1::zeros(2), 1, 0)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        e,
        "Convolution: W has 3 filters (shape (3, 1, 2, 2)) but b has 2 values"
    );
    let conv = Convolution::new(Array4::zeros((3, 2, 2, 2)), Array1::zeros(3), 1, 0).unwrap();
    let e = conv.geometry((1, 1, 5, 5)).unwrap_err().to_string();
    assert_eq!(
        e,
        "Convolution: the filters have 2 channels but x (1, 1, 5, 5) has 1"
    );
    let e = Pooling::new(5, 5, 1, 0)
        .unwrap()
        .geometry((1, 1, 4, 4))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("filter 5 does not fit the padded input 4"),
        "{e}"
    );
    let mut conv = Convolution::new(Array4::zeros((3, 2, 2, 2)), Array1::zeros(3), 1, 0).unwrap();
    let e = conv
        .forward(&Array4::<f64>::zeros((1, 1, 5, 5)).into_dyn(), Mode::Train)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Convolution: the filters have 2 channels but x (1, 1, 5, 5) has 1"
    );
    let e = conv
        .forward(&Array2::<f64>::zeros((1, 5)).into_dyn(), Mode::Train)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Convolution: x should have shape (N, C, H, W), got [1, 5]"
    );
    assert!(conv
        .backward(&Array4::<f64>::zeros((1, 3, 4, 4)).into_dyn())
        .is_err()); // before forward
    conv.forward(&Array4::<f64>::zeros((1, 2, 5, 5)).into_dyn(), Mode::Train)
        .unwrap();
    let e = conv
        .backward(&Array4::<f64>::zeros((1, 3, 3, 3)).into_dyn())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Convolution: dout should have shape [1, 3, 4, 4], got [1, 3, 3, 3]"
    );
    let mut pooling = Pooling::new(2, 2, 2, 0).unwrap();
    assert!(pooling
        .backward(&Array4::<f64>::zeros((1, 1, 1, 1)).into_dyn())
        .is_err());
    pooling
        .forward(&Array4::<f64>::zeros((1, 1, 4, 4)).into_dyn(), Mode::Train)
        .unwrap();
    assert!(pooling
        .backward(&Array4::<f64>::zeros((1, 1, 3, 3)).into_dyn())
        .is_err());
}

#[test]
fn diagrams_render_and_refuse_what_they_cannot_draw() {
    use dl_lessons::plot::{
        col2im_diagram, convolution_diagram, convolution_windows, flatten_diagram,
        im2col_animation, im2col_diagram, im2col_table, pooling_diagram,
    };
    let x = course_input();
    let windows = convolution_windows(8, 8, 3, 3, 2, 1, 4).unwrap();
    assert!(
        windows
            .text()
            .contains("padded rows never read [9], columns never read [9]"),
        "{}",
        windows.text()
    );
    assert!(windows.svg().starts_with("<svg"));
    let e = convolution_windows(4, 4, 3, 3, 1, 0, 4)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "chosen = 4: must be a window index below OH·OW = 4");
    assert!(im2col_diagram(&x, 3, 3, 1, 0)
        .unwrap()
        .text()
        .contains("4 of the 4 rows of sample 0 mix"));
    assert!(im2col_diagram(&x, 6, 6, 2, 1)
        .unwrap()
        .text()
        .contains("0 of the 1 rows"));
    assert!(col2im_diagram(&x, 6, 6, 2, 1)
        .unwrap()
        .text()
        .ends_with("equals x"));
    assert!(pooling_diagram(&x, 2, 2, 2)
        .unwrap()
        .text()
        .contains("maxima at [(1, 0), (0, 3), (2, 1), (2, 3)]"));
    let animation = im2col_animation(&x, 3, 3, 1, 0).unwrap();
    assert_eq!(animation.svg().matches("<animateTransform ").count(), 1); // the window moves
    assert_eq!(animation.svg().matches("<animate ").count(), 3); // rows 1..3 appear
    let big = Array4::zeros((1, 1, 100, 100));
    assert!(im2col_diagram(&big, 2, 2, 1, 0)
        .unwrap_err()
        .to_string()
        .contains("at most 20000 cells"));
    let table = im2col_table(&x, 3, 3, 1, 0).unwrap();
    assert_eq!(table.rows.len(), 8);
    assert!(table.to_html().contains("background:#aec7e8"));
    let w = Array4::ones((2, 1, 2, 2));
    let figure = convolution_diagram(&x, &w, &Array1::from(vec![0.5, -1.0]), 1, 0).unwrap();
    assert!(figure.text().starts_with("output shape [2, 2, 3, 3]"));
    let image = Array2::from_shape_fn((8, 8), |(i, j)| (i * j) as f64 / 49.0);
    assert!(flatten_diagram(&image, 3, 4)
        .unwrap()
        .text()
        .contains("[19, 20, 21, 27, 28, 29, 35, 36, 37]"));
    assert!(flatten_diagram(&image, 8, 0).is_err());
}

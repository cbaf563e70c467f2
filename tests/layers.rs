//! Every layer against central differences, the course's formulas by hand, and its
//! errors for input it cannot take.

use approx::assert_abs_diff_eq;
use dl_lessons::init::{randn, rng};
use dl_lessons::layers::{
    check_layer_gradients, Affine, BatchNormalization, Dropout, Layer, Mode, Relu, Sigmoid,
    SoftmaxWithLoss, Tanh,
};
use dl_lessons::ndarray::{array, Array1, Array2, ArrayD, Axis, IxDyn};
use dl_lessons::Result;

const TOLERANCE: f64 = 1e-6;

fn random(shape: &[usize], seed: u64) -> ArrayD<f64> {
    randn(IxDyn(shape), 1.0, &mut rng(seed)).unwrap()
}

fn assert_gradients_agree(layer: &mut dyn Layer, x: &ArrayD<f64>) -> Result<()> {
    let check = check_layer_gradients(layer, x, 42)?;
    assert!(!check.rows.is_empty());
    for row in &check.rows {
        assert!(
            row.relative_error < TOLERANCE,
            "{}: {}: max abs {:e}, relative {:e}",
            layer.name(),
            row.name,
            row.max_abs_error,
            row.relative_error
        );
    }
    Ok(())
}

#[test]
fn affine_gradients_for_matrix_and_image_input() -> Result<()> {
    let w: Array2<f64> = randn((12, 5), 0.5, &mut rng(1)).unwrap();
    let b: Array1<f64> = randn(5, 0.5, &mut rng(2)).unwrap();
    let mut affine = Affine::new(w.clone(), b.clone())?;
    assert_gradients_agree(&mut affine, &random(&[4, 12], 3))?;
    // (N, C, H, W) input is flattened to (N, C·H·W), and dx comes back in x's shape.
    let mut affine = Affine::new(w, b)?;
    let x = random(&[4, 3, 2, 2], 4);
    assert_gradients_agree(&mut affine, &x)?;
    affine.forward(&x, Mode::Train)?;
    let dx = affine.backward(&random(&[4, 5], 5))?;
    assert_eq!(dx.shape(), x.shape());
    Ok(())
}

#[test]
fn affine_backward_is_the_course_formula() -> Result<()> {
    let w = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let mut affine = Affine::new(w.clone(), array![0.0, 0.0])?;
    let x = array![[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]];
    affine.forward(&x.clone().into_dyn(), Mode::Train)?;
    let dout = array![[1.0, -1.0], [0.5, 2.0]];
    let dx = affine.backward(&dout.clone().into_dyn())?;
    assert_eq!(dx, dout.dot(&w.t()).into_dyn()); // dx = dout·Wᵀ
    let params = affine.params();
    assert_eq!(params[0].name, "W");
    assert_eq!(params[0].grad, x.t().dot(&dout).into_dyn()); // dW = xᵀ·dout
    assert_eq!(params[1].grad, dout.sum_axis(Axis(0)).into_dyn()); // db = Σ dout
    Ok(())
}

/// As a network's first layer, Affine skips dx (nothing uses it) and keeps dW and db.
#[test]
fn affine_first_layer_skips_dx_only() -> Result<()> {
    let (w, b): (Array2<f64>, Array1<f64>) = (
        randn((6, 4), 0.5, &mut rng(12)).unwrap(),
        randn(4, 0.5, &mut rng(13)).unwrap(),
    );
    let (x, dout) = (random(&[3, 6], 14), random(&[3, 4], 15));
    let mut full = Affine::new(w.clone(), b.clone())?;
    let mut first = Affine::new(w, b)?;
    first.skip_input_gradient();
    assert_eq!(
        full.forward(&x, Mode::Train)?,
        first.forward(&x, Mode::Train)?
    );
    assert_eq!(full.backward(&dout)?.shape(), x.shape());
    assert_eq!(first.backward(&dout)?.len(), 0);
    for (a, b) in full.params().iter().zip(first.params()) {
        assert_eq!(a.grad, b.grad, "{}", a.name);
    }
    Ok(())
}

#[test]
fn activation_gradients() -> Result<()> {
    // Keep ReLU inputs away from its kink at 0, where the central difference is wrong.
    let x = random(&[5, 7], 6).mapv(|v| if v.abs() < 0.01 { 0.5 } else { v });
    assert_gradients_agree(&mut Relu::new(), &x)?;
    assert_gradients_agree(&mut Sigmoid::new(), &x)?;
    assert_gradients_agree(&mut Tanh::new(), &x)
}

#[test]
fn relu_blocks_gradient_where_input_is_not_positive() -> Result<()> {
    let mut relu = Relu::new();
    let x = array![[-1.0, 0.0, 2.0, f64::NAN]].into_dyn();
    let out = relu.forward(&x, Mode::Train)?;
    // the course's out[x <= 0] = 0 keeps NaN (NaN <= 0 is false)
    assert_eq!(
        out.slice(dl_lessons::ndarray::s![.., ..3]).into_dyn(),
        array![[0.0, 0.0, 2.0]].into_dyn()
    );
    assert!(out[[0, 3]].is_nan());
    assert_eq!(
        relu.backward(&array![[3.0, 3.0, 3.0, 3.0]].into_dyn())?,
        array![[0.0, 0.0, 3.0, 3.0]].into_dyn()
    );
    Ok(())
}

#[test]
fn batch_normalization_gradients_2d_and_4d() -> Result<()> {
    let gamma: Array1<f64> = randn(6, 1.0, &mut rng(7)).unwrap() + 1.0;
    let beta: Array1<f64> = randn(6, 1.0, &mut rng(8)).unwrap();
    let mut bn = BatchNormalization::new(gamma.clone(), beta.clone(), 0.9)?;
    assert_gradients_agree(&mut bn, &random(&[5, 6], 9))?;
    // 4-D input is normalised per feature over C·H·W = 6 features.
    let mut bn = BatchNormalization::new(gamma, beta, 0.9)?;
    assert_gradients_agree(&mut bn, &random(&[5, 1, 2, 3], 10))
}

/// The course's BatchNormalization forward, written out per feature.
#[test]
fn batch_normalization_matches_course_formulas_in_both_modes() -> Result<()> {
    let x = array![[1.0, 10.0], [3.0, 20.0], [8.0, 60.0]];
    let gamma = array![2.0, 0.5];
    let beta = array![1.0, -1.0];
    let mut bn = BatchNormalization::new(gamma.clone(), beta.clone(), 0.9)?;
    let out = bn.forward(&x.clone().into_dyn(), Mode::Train)?;
    for j in 0..2 {
        let col = x.column(j);
        let mu = col.sum() / 3.0;
        let var = col.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / 3.0;
        let std = (var + 1e-6).sqrt(); // course: 10e-7 = 1e-6
        for i in 0..3 {
            assert_abs_diff_eq!(
                out[[i, j]],
                gamma[j] * (x[[i, j]] - mu) / std + beta[j],
                epsilon = 1e-12
            );
        }
        // running statistics start at 0 with momentum 0.9
        assert_abs_diff_eq!(bn.running_mean().unwrap()[j], 0.1 * mu, epsilon = 1e-12);
        assert_abs_diff_eq!(bn.running_var().unwrap()[j], 0.1 * var, epsilon = 1e-12);
    }
    let (rm, rv) = (
        bn.running_mean().unwrap().clone(),
        bn.running_var().unwrap().clone(),
    );
    let x_eval = array![[2.0, 30.0]];
    let out = bn.forward(&x_eval.clone().into_dyn(), Mode::Eval)?;
    for j in 0..2 {
        let expected = gamma[j] * (x_eval[[0, j]] - rm[j]) / (rv[j] + 1e-6).sqrt() + beta[j];
        assert_abs_diff_eq!(out[[0, j]], expected, epsilon = 1e-12);
    }
    // Eval does not move the running statistics.
    assert_eq!(bn.running_mean().unwrap(), &rm);
    Ok(())
}

/// The course's BatchNormalization backward, step by step with whole arrays.
#[test]
fn batch_normalization_backward_matches_course_steps() -> Result<()> {
    let x: Array2<f64> = random(&[5, 3], 16).into_dimensionality()?;
    let dout: Array2<f64> = random(&[5, 3], 17).into_dimensionality()?;
    let gamma = array![1.5, -0.5, 2.0];
    let mut bn = BatchNormalization::new(gamma.clone(), array![0.1, 0.2, 0.3], 0.9)?;
    bn.forward(&x.clone().into_dyn(), Mode::Train)?;
    let dx = bn.backward(&dout.clone().into_dyn())?;
    let n = 5.0;
    let mu = x.mean_axis(Axis(0)).unwrap();
    let xc = &x - &mu;
    let std = (xc.mapv(|v| v * v).mean_axis(Axis(0)).unwrap() + 1e-6).mapv(f64::sqrt);
    let xn = &xc / &std;
    let dbeta = dout.sum_axis(Axis(0));
    let dgamma = (&xn * &dout).sum_axis(Axis(0));
    let dxn = &dout * &gamma;
    let mut dxc = &dxn / &std;
    let dstd = -(&dxn * &xc / (&std * &std)).sum_axis(Axis(0));
    let dvar = 0.5 * dstd / &std;
    dxc = dxc + (2.0 / n) * &xc * &dvar;
    let dmu = dxc.sum_axis(Axis(0));
    let expected = dxc - dmu / n;
    assert_abs_diff_eq!(dx, expected.into_dyn(), epsilon = 1e-12);
    let params = bn.params();
    assert_abs_diff_eq!(
        params[0].grad.to_owned(),
        dgamma.into_dyn(),
        epsilon = 1e-12
    );
    assert_abs_diff_eq!(params[1].grad.to_owned(), dbeta.into_dyn(), epsilon = 1e-12);
    Ok(())
}

/// The check holds the mask it draws first, so a correct Dropout passes as drawn.
#[test]
fn dropout_passes_the_gradient_check_without_help() -> Result<()> {
    let mut dropout = Dropout::new(0.3, 5)?;
    assert_gradients_agree(&mut dropout, &random(&[4, 6], 11))?;
    // and the mask is drawn anew afterwards
    let x = random(&[4, 6], 12);
    let first = dropout.forward(&x, Mode::Train)?;
    let second = dropout.forward(&x, Mode::Train)?;
    assert_ne!(first, second);
    Ok(())
}

#[test]
fn softmax_with_loss_backward_matches_numerical_gradient() -> Result<()> {
    let x: Array2<f64> = randn((4, 3), 1.0, &mut rng(12)).unwrap();
    let t = array![0, 2, 1, 2];
    let mut last = SoftmaxWithLoss::new();
    last.forward(&x, &t)?;
    let dx = last.backward()?;
    let numeric = dl_lessons::functions::numerical_gradient(
        |x| SoftmaxWithLoss::new().forward(x, &t).unwrap(),
        &x,
    );
    // The loss has 1e-7 inside the log while (y − t)/N is the gradient without it, so
    // the two differ by about 1e-7.
    for (a, n) in dx.iter().zip(numeric.iter()) {
        assert_abs_diff_eq!(a, n, epsilon = 1e-6);
    }
    // (y − onehot(t)) / N: each row of dx sums to 0
    for row in dx.rows() {
        assert_abs_diff_eq!(row.sum(), 0.0, epsilon = 1e-15);
    }
    Ok(())
}

/// Wrong shapes, backward before forward and inconsistent constructors are errors that
/// name the layer and the shapes, never panics.
#[test]
fn layers_refuse_what_they_cannot_take() -> Result<()> {
    let message = |r: Result<ArrayD<f64>>| r.unwrap_err().to_string();
    let mut affine = Affine::new(Array2::zeros((4, 3)), Array1::zeros(3))?;
    assert_eq!(
        message(affine.forward(&ArrayD::zeros(IxDyn(&[2, 5])), Mode::Train)),
        "Affine: x [2, 5] flattens to (N, 5) but W has shape (4, 3): it takes 4 values per sample"
    );
    assert!(
        message(affine.backward(&ArrayD::zeros(IxDyn(&[2, 3])))).contains("before a forward pass")
    );
    affine.forward(&ArrayD::zeros(IxDyn(&[2, 4])), Mode::Train)?;
    assert!(message(affine.backward(&ArrayD::zeros(IxDyn(&[2, 7]))))
        .contains("dout should have shape [2, 3]"));
    assert!(
        message(affine.forward(&ArrayD::zeros(IxDyn(&[0, 4])), Mode::Train)).contains("N >= 1")
    );
    assert!(Affine::new(Array2::zeros((4, 3)), Array1::zeros(2)).is_err());

    let mut relu = Relu::new();
    assert!(message(relu.backward(&ArrayD::zeros(IxDyn(&[1])))).contains("Relu"));
    relu.forward(&ArrayD::zeros(IxDyn(&[2, 2])), Mode::Train)?;
    assert!(message(relu.backward(&ArrayD::zeros(IxDyn(&[2, 3]))))
        .contains("dout should have shape [2, 2]"));

    let mut bn = BatchNormalization::new(Array1::ones(3), Array1::zeros(3), 0.9)?;
    assert!(
        message(bn.forward(&ArrayD::zeros(IxDyn(&[2, 4])), Mode::Train))
            .contains("BatchNormalization")
    );
    for momentum in [1.5, -0.1, f64::NAN] {
        let e = BatchNormalization::new(Array1::ones(3), Array1::zeros(3), momentum)
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("momentum = "), "{e}");
    }
    assert!(BatchNormalization::new(Array1::ones(3), Array1::zeros(2), 0.9).is_err());
    assert!(Dropout::new(f64::NAN, 0).is_err());

    let mut last = SoftmaxWithLoss::new();
    let e = last
        .forward(&array![[0.0, 1.0]], &array![5])
        .unwrap_err()
        .to_string();
    assert_eq!(e, "label = 5: must be a class index below y's 2 columns");
    assert!(last.forward(&array![[0.0, 1.0]], &array![0, 1]).is_err());
    Ok(())
}

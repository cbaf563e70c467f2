//! Batch normalisation: normalise each feature over the mini-batch, then scale and shift.
//!
//! Train: μ = mean_batch(x), var = mean((x − μ)²), xn = (x − μ) / √(var + 1e-6),
//! out = γ·xn + β, running_mean ← 0.9·running_mean + 0.1·μ (same for var).
//! Eval: xn = (x − running_mean) / √(running_var + 1e-6).
//! Shapes: x (N, D), or (N, C, H, W) normalised per feature over D = C·H·W as the course
//! does; γ, β (D,). Course: `common/layers.py` `BatchNormalization` (P31, with ε written
//! `10e-7`, which is 1e-6); PyTorch: `nn.BatchNorm1d` (for 4-D input PyTorch's
//! `BatchNorm2d` normalises per channel instead).

use ndarray::{Array1, Array2, ArrayD, Axis, CowArray, Ix1, Zip};

use super::{expect_shape, Layer, Mode, Param};

const EPSILON: f64 = 1e-6;

/// γ·(x − μ)/σ + β per feature, with running statistics for inference.
pub struct BatchNormalization {
    gamma: ArrayD<f64>,
    beta: ArrayD<f64>,
    dgamma: ArrayD<f64>,
    dbeta: ArrayD<f64>,
    momentum: f64,
    running_mean: Option<Array1<f64>>,
    running_var: Option<Array1<f64>>,
    input_shape: Vec<usize>,
    xc: Array2<f64>,
    xn: Array2<f64>,
    std: Array1<f64>,
}

impl BatchNormalization {
    /// A layer with scale `gamma` and shift `beta` (D values each) and the running-average
    /// `momentum` (course default 0.9). Parameters: `"gamma"`, `"beta"`.
    ///
    /// ```
    /// use dl_lessons::layers::{BatchNormalization, Layer, Mode};
    /// use dl_lessons::ndarray::array;
    /// let mut bn = BatchNormalization::new(array![1.0], array![0.0], 0.9);
    /// let out = bn.forward(&array![[1.0], [3.0]].into_dyn(), Mode::Train);
    /// // mean 2, var 1: xn = ±1 / √(1 + 1e-6)
    /// assert!((out[[0, 0]] + 1.0).abs() < 1e-6 && (out[[1, 0]] - 1.0).abs() < 1e-6);
    /// assert!((bn.running_mean().unwrap()[0] - 0.2).abs() < 1e-15); // 0.9·0 + (1 − 0.9)·2
    /// ```
    #[track_caller]
    pub fn new(gamma: Array1<f64>, beta: Array1<f64>, momentum: f64) -> BatchNormalization {
        assert_eq!(
            gamma.len(),
            beta.len(),
            "BatchNormalization: gamma has {} values but beta has {}",
            gamma.len(),
            beta.len()
        );
        assert!(
            (0.0..=1.0).contains(&momentum),
            "BatchNormalization: momentum = {momentum} must lie in [0, 1]"
        );
        BatchNormalization {
            dgamma: ArrayD::zeros(gamma.shape()),
            dbeta: ArrayD::zeros(beta.shape()),
            gamma: gamma.into_dyn(),
            beta: beta.into_dyn(),
            momentum,
            running_mean: None,
            running_var: None,
            input_shape: Vec::new(),
            xc: Array2::zeros((0, 0)),
            xn: Array2::zeros((0, 0)),
            std: Array1::zeros(0),
        }
    }

    /// The running mean, once a training pass has started it.
    pub fn running_mean(&self) -> Option<&Array1<f64>> {
        self.running_mean.as_ref()
    }

    /// The running variance, once a training pass has started it.
    pub fn running_var(&self) -> Option<&Array1<f64>> {
        self.running_var.as_ref()
    }

    fn gamma(&self) -> ndarray::ArrayView1<'_, f64> {
        self.gamma
            .view()
            .into_dimensionality::<Ix1>()
            .expect("gamma is 1-D")
    }

    fn beta(&self) -> ndarray::ArrayView1<'_, f64> {
        self.beta
            .view()
            .into_dimensionality::<Ix1>()
            .expect("beta is 1-D")
    }
}

impl Layer for BatchNormalization {
    #[track_caller]
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> ArrayD<f64> {
        let n = x.shape()[0];
        let d = self.gamma.len();
        expect_shape(
            "BatchNormalization",
            "x flattened to (N, D)",
            &[n, d],
            &[n, x.len() / n.max(1)],
        );
        self.input_shape = x.shape().to_vec();
        let x = x.to_shape((n, d)).expect("flatten to (N, D)");
        let running_mean = self.running_mean.get_or_insert_with(|| Array1::zeros(d));
        let running_var = self.running_var.get_or_insert_with(|| Array1::zeros(d));
        // Each pass below reads or writes (N, D) values once; the per-feature vectors are small.
        let xn = match mode {
            Mode::Train => {
                let mu = x.mean_axis(Axis(0)).expect("N > 0");
                let xc = &x - &mu;
                let mut var = Array1::zeros(d);
                for row in xc.rows() {
                    Zip::from(&mut var).and(row).for_each(|v, &c| *v += c * c);
                }
                var /= n as f64;
                let std = var.mapv(|v| (v + EPSILON).sqrt());
                let xn = &xc / &std;
                let m = self.momentum;
                *running_mean = m * &*running_mean + (1.0 - m) * &mu;
                *running_var = m * &*running_var + (1.0 - m) * &var;
                self.xc = xc;
                self.std = std;
                self.xn = xn;
                CowArray::from(self.xn.view())
            }
            Mode::Eval => {
                let std = running_var.mapv(|v| (v + EPSILON).sqrt());
                let mean = &*running_mean;
                CowArray::from(
                    Zip::from(&x)
                        .and_broadcast(mean)
                        .and_broadcast(&std)
                        .map_collect(|&v, &m, &s| (v - m) / s),
                )
            }
        };
        let out = Zip::from(&xn)
            .and_broadcast(self.gamma())
            .and_broadcast(self.beta())
            .map_collect(|&v, &g, &b| g * v + b);
        out.into_shape_with_order(self.input_shape.clone())
            .expect("back to x's shape")
    }

    /// The course's steps: dβ = Σ dout, dγ = Σ xn·dout, dxn = dout·γ, dxc = dxn/std,
    /// dstd = −Σ dxn·xc/std², dvar = 0.5·dstd/std, dxc += (2/N)·xc·dvar, dμ = Σ dxc,
    /// dx = dxc − dμ/N (sums over the batch). The sums are taken in one pass and the
    /// element-wise steps fused into one, with Σ dxn·xc = γ·Σ dout·xc.
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        let n = dout.shape()[0];
        let d = self.gamma.len();
        let dout = dout.to_shape((n, d)).expect("flatten to (N, D)");
        let batch = n as f64;
        let gamma = self.gamma();
        let (mut dbeta, mut dgamma, mut dout_xc) =
            (Array1::zeros(d), Array1::zeros(d), Array1::<f64>::zeros(d));
        for ((dout, xn), xc) in dout
            .rows()
            .into_iter()
            .zip(self.xn.rows())
            .zip(self.xc.rows())
        {
            Zip::from(&mut dbeta)
                .and(&mut dgamma)
                .and(&mut dout_xc)
                .and(dout)
                .and(xn)
                .and(xc)
                .for_each(|dbeta, dgamma, dout_xc, &dout, &xn, &xc| {
                    *dbeta += dout;
                    *dgamma += xn * dout;
                    *dout_xc += dout * xc;
                });
        }
        let dstd = Zip::from(&gamma)
            .and(&dout_xc)
            .and(&self.std)
            .map_collect(|&gamma, &dout_xc, &std| -gamma * dout_xc / (std * std));
        let dvar = 0.5 * dstd / &self.std;
        // dxc = dout·γ/std + (2/N)·xc·dvar
        let dxn_scale = &gamma / &self.std;
        let xc_scale = (2.0 / batch) * dvar;
        let mut dxc = Zip::from(&dout)
            .and(&self.xc)
            .and_broadcast(&dxn_scale)
            .and_broadcast(&xc_scale)
            .map_collect(|&dout, &xc, &dxn_scale, &xc_scale| dout * dxn_scale + xc * xc_scale);
        let dmu = dxc.sum_axis(Axis(0));
        dxc -= &(dmu / batch);
        self.dbeta = dbeta.into_dyn();
        self.dgamma = dgamma.into_dyn();
        dxc.into_shape_with_order(self.input_shape.clone())
            .expect("back to x's shape")
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        vec![
            Param {
                name: "gamma",
                value: &mut self.gamma,
                grad: &self.dgamma,
            },
            Param {
                name: "beta",
                value: &mut self.beta,
                grad: &self.dbeta,
            },
        ]
    }

    fn name(&self) -> &'static str {
        "BatchNormalization"
    }
}

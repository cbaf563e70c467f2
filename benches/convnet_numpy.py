"""One training step of the course's SimpleConvNet in numpy, timed.

Written for this benchmark from the course's algorithm (2_6: `simple_convnet.py` with the
layers of common/layers.py and Adam of common/optimizer.py): Convolution (im2col, one
matrix product, col2im in backward), Relu, Pooling (im2col, max, col2im), Affine, Relu,
Affine, SoftmaxWithLoss, then one Adam update (lr 0.001). Batch 100 of 1x28x28, float64.
Timed as `reference.py` says (by hand: `convnet_numpy.py [repeats]`; the bench: `--serve`):
the measurement `step`; the info lines `dgemm <GFLOP/s of a 2000x2000 product>` and `blas
<the kernel set OpenBLAS picked>`.
"""
import time

import numpy as np

from conv_numpy import col2im, im2col
from reference import run


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x):
        fn_, c, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh = 1 + (h + 2 * self.pad - fh) // self.stride
        ow = 1 + (w + 2 * self.pad - fw) // self.stride
        col = im2col(x, fh, fw, self.stride, self.pad)
        col_W = self.W.reshape(fn_, -1).T
        out = np.dot(col, col_W) + self.b
        self.x, self.col, self.col_W = x, col, col_W
        return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        fn_, c, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn_)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout).transpose(1, 0).reshape(fn_, c, fh, fw)
        dcol = np.dot(dout, self.col_W.T)
        return col2im(dcol, self.x.shape, fh, fw, self.stride, self.pad)


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Pooling:
    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        n, c, h, w = x.shape
        oh = 1 + (h - self.pool_h) // self.stride
        ow = 1 + (w - self.pool_w) // self.stride
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        self.arg_max = np.argmax(col, axis=1)
        self.x = x
        return np.max(col, axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, size))
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dmax = dmax.reshape(dout.shape + (size,))
        dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss:
    def forward(self, x, d):
        x = x - x.max(axis=1, keepdims=True)
        self.y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        self.d = d
        n = x.shape[0]
        return -np.sum(np.log(self.y[np.arange(n), d] + 1e-7)) / n

    def backward(self):
        n = self.d.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.d] -= 1
        return dx / n


class Adam:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2, self.iter = learning_rate, beta1, beta2, 0
        self.m = self.v = None

    def update(self, params, grad):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key in params:
            self.m[key] += (1 - self.beta1) * (grad[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grad[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)


def main():
    rng = np.random.default_rng(0)
    params = {
        "W1": 0.01 * rng.standard_normal((30, 1, 5, 5)), "b1": np.zeros(30),
        "W2": 0.01 * rng.standard_normal((4320, 100)), "b2": np.zeros(100),
        "W3": 0.01 * rng.standard_normal((100, 10)), "b3": np.zeros(10),
    }
    conv = Convolution(params["W1"], params["b1"])
    layers = [conv, Relu(), Pooling(2, 2, stride=2), Affine(params["W2"], params["b2"]),
              Relu(), Affine(params["W3"], params["b3"])]
    last = SoftmaxWithLoss()
    optimizer = Adam()
    x = rng.random((100, 1, 28, 28))
    d = rng.integers(0, 10, 100)

    def step():
        out = x
        for layer in layers:
            out = layer.forward(out)
        last.forward(out, d)
        dout = last.backward()
        for layer in reversed(layers):
            dout = layer.backward(dout)
        grads = {"W1": conv.dW, "b1": conv.db, "W2": layers[3].dW, "b2": layers[3].db,
                 "W3": layers[5].dW, "b3": layers[5].db}
        optimizer.update(params, grads)

    def info():
        a, b = rng.random((2000, 2000)), rng.random((2000, 2000))
        a @ b
        t = time.perf_counter()
        for _ in range(3):
            a @ b
        dgemm = 3 * 2 * 2000**3 / (time.perf_counter() - t) / 1e9
        return f"dgemm {dgemm}\nblas {blas_kernel()}"

    run({"step": step}, info)


def blas_kernel():
    """The kernel set OpenBLAS picked for this CPU (numpy's bundled scipy-openblas)."""
    import ctypes
    import glob
    import os
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*"))
    for path in libs:
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            corename = getattr(ctypes.CDLL(path), name, None)
            if corename is not None:
                corename.restype = ctypes.c_char_p
                return "OpenBLAS-" + corename().decode()
    return "unknown"


if __name__ == "__main__":
    main()

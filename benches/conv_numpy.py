"""The course's im2col / col2im / Convolution forward and backward in numpy, timed.

Written for this benchmark from the course's algorithm (common/functions.py and
common/layers.py): im2col copies one strided slice per filter offset into a 6-D buffer,
transposes and reshapes; backward goes through col2im. Timed as `reference.py` says, for
the two cases `mnist` and `pooled`: `im2col_<case>` and `conv_<case>` (forward+backward).
"""
import numpy as np

from reference import run


def im2col(x, fh, fw, stride, pad):
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((n, c, fh, fw, oh, ow))
    for y in range(fh):
        y_max = y + stride * oh
        for xx in range(fw):
            x_max = xx + stride * ow
            col[:, :, y, xx, :, :] = img[:, :, y:y_max:stride, xx:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, fh, fw, stride, pad):
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1))
    for y in range(fh):
        y_max = y + stride * oh
        for xx in range(fw):
            x_max = xx + stride * ow
            img[:, :, y:y_max:stride, xx:x_max:stride] += col[:, :, y, xx, :, :]
    return img[:, :, pad:h + pad, pad:w + pad]


def conv_forward_backward(x, W, b, stride, pad):
    fn_, c, fh, fw = W.shape
    n, _, h, w = x.shape
    oh, ow = 1 + (h + 2 * pad - fh) // stride, 1 + (w + 2 * pad - fw) // stride
    col = im2col(x, fh, fw, stride, pad)
    col_w = W.reshape(fn_, -1).T
    out = (col @ col_w + b).reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)
    dout = np.ones_like(out).transpose(0, 2, 3, 1).reshape(-1, fn_)
    db = dout.sum(axis=0)
    dW = (col.T @ dout).transpose(1, 0).reshape(fn_, c, fh, fw)
    dcol = dout @ col_w.T
    dx = col2im(dcol, x.shape, fh, fw, stride, pad)
    return out, dW, db, dx


CASES = {"mnist": ((100, 1, 28, 28), 5, 0), "pooled": ((100, 30, 12, 12), 3, 1)}


def main():
    measurements = {}
    for name, (shape, f, pad) in CASES.items():
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape)
        W = rng.standard_normal((30, shape[1], f, f)) * 0.01
        b = np.zeros(30)
        measurements[f"im2col_{name}"] = lambda x=x, f=f, pad=pad: im2col(x, f, f, 1, pad)
        measurements[f"conv_{name}"] = lambda x=x, W=W, b=b, pad=pad: conv_forward_backward(x, W, b, 1, pad)
    run(measurements, lambda: f"numpy {np.__version__}")


if __name__ == "__main__":
    main()

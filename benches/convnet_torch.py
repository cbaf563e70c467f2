"""The course's SimpleConvNet in PyTorch on the CPU, timed: the anchor a user would pick.

conv 30@5x5 (pad 0, stride 1) - relu - maxpool 2x2/2 - linear 4320->100 - relu - linear
100->10 - cross-entropy, batch 100 of 1x28x28, weights 0.01*randn as the course draws them.
Measured, each the median of `repeats` after warm-up, on the threads torch is given:

  fwd_bwd_dx_<dtype>   forward and backward with the input's gradient computed (the work
                       of a convolution that is not the first layer)
  fwd_bwd_<dtype>      forward and backward without it (the first layer's dx skipped)
  step_<dtype>         fwd_bwd plus one Adam update (lr 0.001): a training step

for float64 (the course's dtype) and float32, timed as `reference.py` says: by hand
(`convnet_torch.py [repeats]`) all of them, or on request (`--serve`); the info lines are
`threads N` and `torch VERSION`.
"""
import torch
import torch.nn.functional as F

from reference import run


def network(dtype, generator):
    def randn(*shape):
        return (0.01 * torch.randn(*shape, generator=generator, dtype=torch.float64)).to(dtype)

    params = {
        "W1": randn(30, 1, 5, 5), "b1": torch.zeros(30, dtype=dtype),
        "W2": randn(100, 4320), "b2": torch.zeros(100, dtype=dtype),
        "W3": randn(10, 100), "b3": torch.zeros(10, dtype=dtype),
    }
    for p in params.values():
        p.requires_grad_(True)
    return params


def loss_of(params, x, t):
    out = F.conv2d(x, params["W1"], params["b1"])
    out = F.max_pool2d(F.relu(out), 2, 2)
    out = F.relu(F.linear(out.flatten(1), params["W2"], params["b2"]))
    out = F.linear(out, params["W3"], params["b3"])
    return F.cross_entropy(out, t)


def main():
    measurements = {}
    generator = torch.Generator().manual_seed(0)
    for dtype, name in [(torch.float64, "f64"), (torch.float32, "f32")]:
        params = network(dtype, generator)
        x = torch.rand(100, 1, 28, 28, generator=generator, dtype=torch.float64).to(dtype)
        t = torch.randint(0, 10, (100,), generator=generator)
        optimizer = torch.optim.Adam(params.values(), lr=0.001)

        def fwd_bwd(input_grad, params=params, x=x, t=t):
            xi = x.detach().requires_grad_(input_grad)
            for p in params.values():
                p.grad = None
            loss_of(params, xi, t).backward()

        def step(params=params, x=x, t=t, optimizer=optimizer):
            optimizer.zero_grad(set_to_none=True)
            loss_of(params, x, t).backward()
            optimizer.step()

        measurements[f"fwd_bwd_dx_{name}"] = lambda fwd_bwd=fwd_bwd: fwd_bwd(True)
        measurements[f"fwd_bwd_{name}"] = lambda fwd_bwd=fwd_bwd: fwd_bwd(False)
        measurements[f"step_{name}"] = step
    run(measurements, lambda: f"threads {torch.get_num_threads()}\ntorch {torch.__version__}")


if __name__ == "__main__":
    main()

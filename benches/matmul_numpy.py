"""numpy's matrix product (`a @ b`, its BLAS) for the shapes of `benches/matmul.rs`, timed
as `reference.py` says: one measurement per case, named as in the Rust bench."""
import numpy as np

from reference import run

CASES = {"batch": (100, 100, 100), "evaluation": (1500, 100, 100), "square": (500, 500, 500)}


def main():
    rng = np.random.default_rng(0)
    measurements = {}
    for name, (m, k, n) in CASES.items():
        a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
        measurements[name] = lambda a=a, b=b: a @ b
    run(measurements, lambda: f"numpy {np.__version__}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measures what a student waits for in the Rust kernel, on this machine:

  1. a fresh kernel with an empty evcxr cache: time until Lesson 1's first chart shows,
  2. the same with the cache warm (a second kernel start),
  3. re-running a parameter cell with a changed number (median of 5): Lesson 1's `depth`,
     and Lesson 4's window chart with a changed stride or pad (the computation is tiny in both).

Run it after scripts/setup test:  .venv/bin/python scripts/bench_kernel.py
"""
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "1_vanishing_gradient.ipynb"
CONVOLUTION = ROOT / "notebooks" / "4_convolution.ipynb"


def setup_cells(lesson=LESSON):
    """The lesson's first two code cells: load the crate, then turn the cache off."""
    nb = nbformat.read(lesson, as_version=4)
    return [nbformat.v4.new_code_cell(c.source) for c in nb.cells if c.cell_type == "code"][:2]


def first_chart(cache_dir):
    """Seconds from kernel start to the output of the first chart cell."""
    os.environ["XDG_CACHE_HOME"] = cache_dir
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
    nb.cells = setup_cells() + [nbformat.v4.new_code_cell("sigmoid_curve()")]
    client = NotebookClient(nb, kernel_name="rust", timeout=900, resources={"metadata": {"path": str(LESSON.parent)}})
    started = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - started
    assert "image/svg+xml" in nb.cells[-1].outputs[0]["data"], "the chart did not render"
    return elapsed


def parameter_rerun(cache_dir, lesson, cells):
    """Median seconds to re-run a parameter cell after changing its number."""
    os.environ["XDG_CACHE_HOME"] = cache_dir
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
    nb.cells = setup_cells(lesson)
    client = NotebookClient(nb, kernel_name="rust", timeout=900, resources={"metadata": {"path": str(lesson.parent)}})
    times = []
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        for source in cells:
            cell = nbformat.v4.new_code_cell(source)
            nb.cells.append(cell)
            started = time.monotonic()
            client.execute_cell(cell, len(nb.cells) - 1)
            times.append(time.monotonic() - started)
            assert not any(o.get("name") == "stderr" for o in cell.outputs), cell.outputs
    # the first two runs define the variables and warm rust-analyzer
    return statistics.median(times[2:])


def depth_cells():
    return [f"let depth = {d};\nvanishing_gradient_chart(&gradient_flow(depth, 0)?)?" for d in [10, 12, 14, 16, 18, 20, 22]]


def window_cells():
    """Lesson 4's window chart, changing stride and pad as a student would."""
    return [
        f"let (h, w) = (6, 6);\nlet (filter_h, filter_w) = (2, 2);\nlet stride = {stride};\nlet pad = {pad};\n"
        "let chosen = 0;\nconvolution_windows(h, w, filter_h, filter_w, stride, pad, chosen)?"
        for stride, pad in [(1, 1), (2, 1), (1, 0), (2, 2), (3, 1), (1, 2), (2, 0)]
    ]


def main():
    with tempfile.TemporaryDirectory() as cache:
        cold = first_chart(cache)
        warm = first_chart(cache)
        depth = parameter_rerun(cache, LESSON, depth_cells())
        window = parameter_rerun(cache, CONVOLUTION, window_cells())
    print(f"first chart, fresh kernel, empty cache: {cold:.1f} s")
    print(f"first chart, fresh kernel, warm cache:  {warm:.1f} s")
    print(f"re-run of a parameter cell (median):    {depth:.2f} s (Lesson 1, depth)")
    print(f"re-run of a parameter cell (median):    {window:.2f} s (Lesson 4, stride and pad)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measures what a student waits for in the Rust kernel, on this machine:

  1. a fresh kernel with an empty evcxr cache: time until Lesson 1's first chart shows,
  2. the same with the cache warm (a second kernel start),
  3. re-running a parameter cell with a changed number (median of 5), minus the time the
     same computation takes in the cell when nothing has to be compiled (it is tiny here).

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


def setup_cells():
    """The lesson's first two code cells: load the crate, then turn the cache off."""
    nb = nbformat.read(LESSON, as_version=4)
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


def parameter_rerun(cache_dir):
    """Median seconds to re-run a parameter cell after changing its number."""
    os.environ["XDG_CACHE_HOME"] = cache_dir
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
    nb.cells = setup_cells()
    client = NotebookClient(nb, kernel_name="rust", timeout=900, resources={"metadata": {"path": str(LESSON.parent)}})
    times = []
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        for i, depth in enumerate([10, 12, 14, 16, 18, 20, 22]):
            cell = nbformat.v4.new_code_cell(f"let depth = {depth};\nvanishing_gradient_chart(&gradient_flow(depth, 0)?)?")
            nb.cells.append(cell)
            started = time.monotonic()
            client.execute_cell(cell, len(nb.cells) - 1)
            times.append(time.monotonic() - started)
    # the first two runs define the variable and warm rust-analyzer
    return statistics.median(times[2:])


def main():
    with tempfile.TemporaryDirectory() as cache:
        cold = first_chart(cache)
        warm = first_chart(cache)
        rerun = parameter_rerun(cache)
    print(f"first chart, fresh kernel, empty cache: {cold:.1f} s")
    print(f"first chart, fresh kernel, warm cache:  {warm:.1f} s")
    print(f"re-run of a parameter cell (median):    {rerun:.2f} s")


if __name__ == "__main__":
    main()

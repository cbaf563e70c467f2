#!/usr/bin/env python3
"""Measures what a student waits for in the Rust kernel, on this machine:

  1. a first kernel start (empty evcxr cache, new build folder): time until Lesson 1's first
     chart shows, running the setup cells and then the chart cell,
  2. a restart (the kernel's build folder from 1 is there, see scripts/kernel.py),
  3. a second kernel while the first runs (a second notebook open at once): its new build
     folder starts as a copy of the first's,
  4. a kernel in a new build folder with nothing to copy (after `cargo clean`), cache warm,
  5. the restart again, running Lesson 1 in order up to its first chart (setup, the
     chain-rule table, the sigmoid chart; none of them defines a variable, so the kernel
     loads its type analyser later, in the activation-curves cell),
  6. re-running a parameter cell with a changed number (median of 5): Lesson 1's `depth`,
     and Lesson 4's window chart with a changed stride or pad (the computation is tiny in both).

Run it after scripts/setup test:  .venv/bin/python scripts/bench_kernel.py
"""
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"  # the project's kernelspec (scripts/kernel.py)

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "1_vanishing_gradient.ipynb"
CONVOLUTION = ROOT / "notebooks" / "4_convolution.ipynb"


def code_cells(lesson):
    nb = nbformat.read(lesson, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


def setup_cells(lesson=LESSON):
    """The lesson's first two code cells: load the crate, then turn the cache off."""
    return [nbformat.v4.new_code_cell(c.source) for c in code_cells(lesson)[:2]]


def cells_to_first_chart(lesson=LESSON):
    """The lesson's code cells in order, up to and including the first one tagged "chart"."""
    cells = []
    for c in code_cells(lesson):
        cells.append(nbformat.v4.new_code_cell(c.source))
        if "chart" in c.get("metadata", {}).get("tags", []):
            return cells
    raise AssertionError("the lesson has no chart cell")


def client_for(cells, lesson, cache_dir, folders):
    """A notebook client whose kernel uses this evcxr cache and these build folders."""
    os.environ["XDG_CACHE_HOME"] = cache_dir
    os.environ["DL_LESSONS_KERNEL_FOLDERS"] = folders
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
    nb.cells = cells
    return nb, NotebookClient(nb, kernel_name="rust", timeout=900, resources={"metadata": {"path": str(lesson.parent)}})


def first_chart(cache_dir, folders, cells=None):
    """Seconds from kernel start to the output of the first chart cell."""
    cells = cells or setup_cells() + [nbformat.v4.new_code_cell("sigmoid_curve()")]
    nb, client = client_for(cells, LESSON, cache_dir, folders)
    started = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - started
    assert "image/svg+xml" in nb.cells[-1].outputs[0]["data"], "the chart did not render"
    return elapsed


def parameter_rerun(cache_dir, folders, lesson, cells):
    """Median seconds to re-run a parameter cell after changing its number."""
    nb, client = client_for(setup_cells(lesson), lesson, cache_dir, folders)
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
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as folders, \
            tempfile.TemporaryDirectory() as other_folders:
        cold = first_chart(cache, folders)
        restart = first_chart(cache, folders)
        _, holder = client_for(setup_cells(), LESSON, cache, folders)
        with holder.setup_kernel():  # the first notebook's kernel keeps its folder
            second_notebook = first_chart(cache, folders)
        new_folder = first_chart(cache, other_folders)
        in_order = first_chart(cache, folders, cells_to_first_chart())
        depth = parameter_rerun(cache, folders, LESSON, depth_cells())
        window = parameter_rerun(cache, folders, CONVOLUTION, window_cells())
    print(f"first chart, first kernel start (empty cache, new build folder): {cold:.1f} s")
    print(f"first chart, kernel restart (its build folder kept):             {restart:.1f} s")
    print(f"first chart, second kernel at once (its folder a copy):          {second_notebook:.1f} s")
    print(f"first chart, new build folder, nothing to copy, warm cache:      {new_folder:.1f} s")
    print(f"first chart, restart, Lesson 1 run in order up to it:            {in_order:.1f} s")
    print(f"re-run of a parameter cell (median): {depth:.2f} s (Lesson 1, depth)")
    print(f"re-run of a parameter cell (median): {window:.2f} s (Lesson 4, stride and pad)")


if __name__ == "__main__":
    main()

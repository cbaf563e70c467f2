#!/usr/bin/env python3
"""Measures what a student waits for in the Rust kernel, on this machine, against the
targets of the README (each a median of RUNS runs, from empty caches and build folders):

  1. setup's prebuild (scripts/prebuild.py's work: the setup cell in a new build folder),
  2. after it, opening each lesson for the first time through the launcher: from kernel
     start to the lesson's first chart, running its cells in order (target <= 10 s),
  3. a kernel restart, the same for Lesson 1 (target <= 8 s),
  4. a plain evcxr kernel (the user-wide kernelspec, no launcher) with an empty evcxr cache:
     Lesson 1's first chart (target <= 30 s), and the slowest later cell of Lesson 1 run to
     the end, training cells aside (target <= 5 s), and its slowest training cell (MLPs:
     target <= 5 s),
  5. re-running a parameter cell with a changed number: Lesson 1's `depth` and Lesson 4's
     window chart (target <= 0.5 s plus the computation, which is tiny in both).

Run it after scripts/setup test, on a quiet machine:  .venv/bin/python scripts/bench_kernel.py
"""
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LESSON_1, LESSON_4 = LESSONS[0], LESSONS[3]
RUNS = 3
# cells that train networks (the student's own in Lesson 1 too): they have their own targets
TRAINING = ("train(", "train_by_hand(", "compare_optimizers(", "_sweep(")


def code_cells(lesson):
    return [c for c in nbformat.read(lesson, as_version=4).cells if c.cell_type == "code"]


def fresh(sources):
    return [nbformat.v4.new_code_cell(s) for s in sources]


def cells_to_first_chart(lesson):
    """The lesson's code cells in order, up to and including the first one tagged "chart"."""
    cells = []
    for c in code_cells(lesson):
        cells.append(c.source)
        if "chart" in c.get("metadata", {}).get("tags", []):
            return cells
    raise AssertionError(f"{lesson.name} has no chart cell")


def client_for(sources, lesson, cache_dir, folders=None):
    """A client whose kernel uses this evcxr cache and, through the launcher, these build
    folders; with folders None, the plain user-wide kernelspec."""
    os.environ["XDG_CACHE_HOME"] = cache_dir
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "0" if folders is None else "1"
    if folders is not None:
        os.environ["DL_LESSONS_KERNEL_FOLDERS"] = folders
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
    nb.cells = fresh(sources)
    client = NotebookClient(nb, kernel_name="rust", timeout=900, record_timing=True,
                            resources={"metadata": {"path": str(lesson.parent)}})
    return nb, client


def run(sources, lesson, cache_dir, folders=None):
    """Seconds from kernel start until the last cell's output, and the executed notebook."""
    nb, client = client_for(sources, lesson, cache_dir, folders)
    started = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - started
    for cell in nb.cells:
        assert not any(o.get("name") == "stderr" or o.output_type == "error" for o in cell.outputs), cell
    return elapsed, nb


def cell_seconds(cell):
    ex = cell.metadata.get("execution", {})
    from datetime import datetime
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(ex["shell.execute_reply"]) - parse(ex["iopub.execute_input"])).total_seconds()


def parameter_rerun(cache_dir, folders, lesson, sources):
    """Median seconds to re-run a parameter cell after changing its number."""
    nb, client = client_for([code_cells(lesson)[0].source], lesson, cache_dir, folders)
    times = []
    with client.setup_kernel():
        client.execute_cell(nb.cells[0], 0)
        for source in sources:
            cell = nbformat.v4.new_code_cell(source)
            nb.cells.append(cell)
            started = time.monotonic()
            client.execute_cell(cell, len(nb.cells) - 1)
            times.append(time.monotonic() - started)
            assert not any(o.get("name") == "stderr" for o in cell.outputs), cell.outputs
    return statistics.median(times[2:])  # the first two define the variables


def depth_cells():
    return [f"let depth = {d};\nvanishing_gradient_chart(&gradient_flow(depth, 0)?)?" for d in [10, 12, 14, 16, 18, 20, 22]]


def window_cells():
    return [
        f"let (h, w) = (6, 6);\nlet (filter_h, filter_w) = (2, 2);\nlet stride = {stride};\nlet pad = {pad};\n"
        "let chosen = 0;\nconvolution_windows(h, w, filter_h, filter_w, stride, pad, chosen)?"
        for stride, pad in [(1, 1), (2, 1), (1, 0), (2, 2), (3, 1), (1, 2), (2, 0)]
    ]


def fmt(result):
    median, values = result
    return f"{median:5.1f} s (runs: {', '.join(f'{v:.1f}' for v in values)})"


def main():
    setup_cell = [code_cells(LESSON_1)[0].source]
    report = []

    def after_setup():
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as folders:
            prebuild, _ = run(setup_cell, LESSON_1, cache, folders)
            firsts = [run(cells_to_first_chart(lesson), lesson, cache, folders)[0] for lesson in LESSONS]
            restart, _ = run(cells_to_first_chart(LESSON_1), LESSON_1, cache, folders)
            return prebuild, firsts, restart

    runs = [after_setup() for _ in range(RUNS)]
    values = [r[0] for r in runs]
    report.append(f"setup's prebuild (empty cache and folder):      {fmt((statistics.median(values), values))}")
    for i, lesson in enumerate(LESSONS):
        values = [r[1][i] for r in runs]
        report.append(f"first chart, {lesson.name:28} after setup: {fmt((statistics.median(values), values))}  (target 10 s)")
    values = [r[2] for r in runs]
    report.append(f"first chart, Lesson 1, kernel restart:          {fmt((statistics.median(values), values))}  (target 8 s)")

    def plain():
        with tempfile.TemporaryDirectory() as cache:
            first, _ = run(cells_to_first_chart(LESSON_1), LESSON_1, cache)
            _, nb = run([c.source for c in code_cells(LESSON_1)], LESSON_1, cache)
            later = [(cell_seconds(c), c.source.splitlines()[-1][:60],
                      any(t in c.source for t in TRAINING)) for c in nb.cells[1:]]
            return first, max(c[:2] for c in later if not c[2]), max(c[:2] for c in later if c[2])

    plains = [plain() for _ in range(RUNS)]
    values = [p[0] for p in plains]
    report.append(f"first chart, Lesson 1, plain kernel, empty cache: {fmt((statistics.median(values), values))}  (target 30 s)")
    slowest = max(p[1] for p in plains)
    report.append(f"slowest later cell of Lesson 1 in the plain kernel (training aside): {slowest[0]:.1f} s, `{slowest[1]}`  (target 5 s)")
    training = max(p[2] for p in plains)
    report.append(f"slowest training cell of Lesson 1 in the plain kernel: {training[0]:.1f} s, `{training[1]}`  (target 5 s for an MLP)")

    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as folders:
        depth = parameter_rerun(cache, folders, LESSON_1, depth_cells())
        window = parameter_rerun(cache, folders, LESSON_4, window_cells())
    report.append(f"re-run of a parameter cell (median): {depth:.2f} s (Lesson 1, depth), {window:.2f} s (Lesson 4, stride and pad)")
    print("\n".join(report))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Execute every lesson notebook top to bottom through the real Rust kernel (evcxr).

A notebook fails on:
  - outputs or execution counts committed in the source notebook,
  - any error output (a compile error in a cell),
  - any stderr output (a panic or a `?` error leaves the cell "ok" in this kernel; only
    stderr shows it),
  - a cell tagged "chart" without an image/svg+xml output,
  - a cell tagged "expect-error" whose stderr lacks the message in its metadata "expect"
    (tests/notebooks/ checks that bad parameters give clear messages in the kernel).
Each executed notebook is written under target/notebooks/ (as .ipynb and as HTML), with a timing table
(target/notebooks/timings.txt). Prints "<N> passed, <M> failed" (one per notebook).

Usage: run_notebooks.py [NOTEBOOK ...]   (default: notebooks/*.ipynb, tests/notebooks/*.ipynb)
"""
import os
import sys
import time
from pathlib import Path

os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"  # the project's kernelspec (scripts/kernel.py)

import nbformat  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "notebooks"
CELL_TIMEOUT = 900  # the first cell compiles the crate: about a minute cold
LATE_OUTPUT_WAIT = 0.25  # seconds to wait for a cell's late stderr


class DrainingClient(NotebookClient):
    """A client that, after each cell, collects output that arrives after the kernel has
    reported the cell finished: evcxr sometimes forwards a cell's stderr (a `?` error)
    that late, and a plain client would drop it and miss the failure."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if cell.cell_type != "code":
            return cell
        while True:
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=LATE_OUTPUT_WAIT)
            except Exception:  # queue.Empty: nothing more arrived
                break
            if msg["msg_type"] == "stream":
                content = msg["content"]
                cell.outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
        return cell


def committed_outputs(nb):
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]


def seconds(cell):
    ex = cell.get("metadata", {}).get("execution", {})
    start, end = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
    if not (start and end):
        return None
    from datetime import datetime
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def first_line(cell):
    src = cell.source.strip().splitlines()
    return src[-1][:70] if src else ""


def problems_of(nb):
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "expect-error" in tags:
            expected = cell.metadata.get("expect", "")
            stderr = "".join(o.get("text", "") for o in cell.get("outputs", [])
                             if o.output_type == "stream" and o.get("name") == "stderr")
            if expected not in stderr:
                problems.append(f"cell {i}: expected the error {expected!r} on stderr, got {stderr.strip()[:500]!r}")
            if any(o.output_type == "error" for o in cell.get("outputs", [])):
                problems.append(f"cell {i}: a compile error instead of the expected message {expected!r}")
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                text = "\n".join(out.get("traceback", [])) or f"{out.get('ename')}: {out.get('evalue')}"
                problems.append(f"cell {i}: error: {text.strip()[:2000]}")
            elif out.output_type == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {i}: stderr: {out.get('text', '').strip()[:2000]}")
        if "chart" in cell.get("metadata", {}).get("tags", []):
            has_svg = any("image/svg+xml" in out.get("data", {}) for out in cell.get("outputs", []))
            if not has_svg:
                problems.append(f"cell {i}: tagged 'chart' but shows no image/svg+xml: {first_line(cell)}")
    return problems


def run(path, timings):
    nb = nbformat.read(path, as_version=4)
    committed = committed_outputs(nb)
    if committed:
        return [f"outputs committed in the source notebook (cells {committed}): strip them"]
    client = DrainingClient(
        nb, kernel_name="rust", timeout=CELL_TIMEOUT, allow_errors=True,
        record_timing=True, resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.monotonic()
    try:
        client.execute()
    except Exception as e:  # a dead kernel or a timeout
        return [f"execution stopped: {type(e).__name__}: {e}"]
    total = time.monotonic() - started
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            timings.append((path.name, i, seconds(cell), first_line(cell)))
    OUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, OUT / path.name)
    html, _ = HTMLExporter().from_notebook_node(nb)
    (OUT / (path.stem + ".html")).write_text(html, encoding="utf-8")
    print(f"  {path.name}: {total:.1f} s, HTML in {OUT.relative_to(ROOT) / (path.stem + '.html')}")
    return problems_of(nb)


def kernelspec_problem():
    """The notebooks must run in the kernel students get: evcxr started by scripts/kernel.py."""
    argv = KernelSpecManager().get_kernel_spec("rust").argv
    if not any(Path(a).name == "kernel.py" for a in argv):
        return f"the kernelspec 'rust' runs {argv}, not scripts/kernel.py: run scripts/setup test"
    return None


def main():
    problem = kernelspec_problem()
    if problem:
        print(f"FAIL {problem}\nnotebooks: 0 passed, 1 failed")
        return 1
    paths = [Path(p).resolve() for p in sys.argv[1:]] or (
        sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "tests" / "notebooks").glob("*.ipynb")))
    passed, failed, timings = 0, 0, []
    for path in paths:
        print(f"notebook {path.name}", flush=True)
        problems = run(path, timings)
        if problems:
            failed += 1
            print(f"FAIL {path.name}")
            for p in problems:
                print("  - " + p.replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok   {path.name}")
    if timings:
        OUT.mkdir(parents=True, exist_ok=True)
        lines = [f"{name}\tcell {i}\t{'?' if s is None else f'{s:.2f}'} s\t{src}" for name, i, s, src in timings]
        (OUT / "timings.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        slowest = sorted((t for t in timings if t[2] is not None), key=lambda t: -t[2])[:8]
        print("slowest cells (the first cell of each notebook compiles the crate):")
        for name, i, s, src in slowest:
            print(f"  {s:7.2f} s  {name} cell {i}: {src}")
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

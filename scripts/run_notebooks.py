#!/usr/bin/env python3
"""Execute every lesson notebook top to bottom through the real Rust kernel (evcxr).

A notebook fails on:
  - outputs or execution counts committed in the source notebook,
  - any error output (a compile error in a cell),
  - any stderr output (a panic or a `?` error leaves the cell "ok" in this kernel; only
    stderr shows it),
  - a cell tagged "chart" without an image/svg+xml output, or tagged "explorer" without
    an explorer (a text/html output with sliders: dl_lessons::explore),
  - a cell whose value shows as a Rust `Debug` dump of a struct (`Name { field: ... }`)
    or of an array (`[...], shape=[7], strides=[1], layout=...`: print arrays with
    `println!`): evcxr shows a value with its type's `evcxr_display` (a table, a chart)
    and falls back to `Debug` when there is none or when that call fails to compile, as
    when the last expression moves a variable of the cell (`&x.into_dyn()`),
  - a cell tagged "expect-error" whose stderr lacks the message in its metadata "expect"
    (tests/notebooks/ checks that bad parameters give clear messages in the kernel); when
    the notebook's metadata has "survival_check" (an expression using a variable of an
    earlier cell), that expression runs after every expect-error cell and must succeed,
    proving the failure kept the session's variables,
  - a markdown cell that quotes a number its notebook does not produce: its metadata
    "quotes" lists {"cell": <code cell id>, "text": <string>}, and each text must appear
    both in the markdown and in that code cell's outputs (so the lesson's text is about
    the run the student sees).
Each executed notebook is written under target/notebooks/ (as .ipynb and as HTML, whose
explorers work offline), with an index page linking the lessons (target/notebooks/index.html)
and a timing table (target/notebooks/timings.txt). Prints "<N> passed, <M> failed" (one per notebook).

Usage: run_notebooks.py [--plain NOTEBOOK] [NOTEBOOK ...]
  (default, also when only --plain is given: notebooks/*.ipynb, tests/notebooks/*.ipynb)
  --plain NOTEBOOK also runs NOTEBOOK in the user-wide Rust kernelspec that setup registers
  (evcxr without the project's launcher: the path a VS Code user takes).
"""
import html as html_lib
import os
import re
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
CELL_TIMEOUT = 900  # the first cell compiles the crate: half a minute or so cold
LATE_OUTPUT_WAIT = 0.25  # seconds to wait for a cell's late stderr
# `GradientCheck { rows: [...] }`, or an array's `[...], shape=[7], strides=[1], layout=...`
DEBUG_DUMP = re.compile(r"^[A-Z]\w* \{|, shape=\[[^]]*\], strides=\[")


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


def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.get("text", ""))
        for mime in ("text/plain", "text/html", "image/svg+xml"):
            parts.append(out.get("data", {}).get(mime, ""))
    return "\n".join(parts)


def quote_problems(nb):
    by_id = {c.get("id"): c for c in nb.cells if c.cell_type == "code"}
    problems = []
    for i, cell in enumerate(nb.cells):
        for quote in cell.get("metadata", {}).get("quotes", []):
            source, text = by_id.get(quote["cell"]), quote["text"]
            if text not in cell.source:
                problems.append(f"cell {i}: quotes {text!r}, which its text does not contain")
            elif source is None:
                problems.append(f"cell {i}: quotes cell {quote['cell']!r}, which does not exist")
            elif text not in output_text(source):
                problems.append(f"cell {i}: says {text!r}, but cell {quote['cell']!r} did not print it")
    return problems


def add_survival_checks(nb):
    """After every expect-error cell, a cell running the notebook's "survival_check"."""
    check = nb.metadata.get("survival_check")
    if not check:
        return
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if "expect-error" in cell.get("metadata", {}).get("tags", []):
            survival = nbformat.v4.new_code_cell(check, metadata={"tags": ["survival"]})
            survival.id = f"{cell.id}-survival"
            cells.append(survival)
    nb.cells = cells


def problems_of(nb):
    problems = quote_problems(nb)
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
        if "survival" in tags and not any(o.output_type == "execute_result" for o in cell.get("outputs", [])):
            problems.append(f"cell {i}: the session lost its variables after the failure above: {first_line(cell)} showed no result")
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                text = "\n".join(out.get("traceback", [])) or f"{out.get('ename')}: {out.get('evalue')}"
                problems.append(f"cell {i}: error: {text.strip()[:2000]}")
            elif out.output_type == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {i}: stderr: {out.get('text', '').strip()[:2000]}")
            elif (out.output_type == "execute_result" and set(out.get("data", {})) == {"text/plain"}
                  and DEBUG_DUMP.search(out["data"]["text/plain"])):
                problems.append(f"cell {i}: shows a Debug dump (evcxr's fallback: print arrays with println!, "
                                f"and keep the last expression from moving a variable): "
                                f"{out['data']['text/plain'][:200]}")
        if "chart" in cell.get("metadata", {}).get("tags", []):
            has_svg = any("image/svg+xml" in out.get("data", {}) for out in cell.get("outputs", []))
            if not has_svg:
                problems.append(f"cell {i}: tagged 'chart' but shows no image/svg+xml: {first_line(cell)}")
        if "explorer" in cell.get("metadata", {}).get("tags", []):
            html = "".join(out.get("data", {}).get("text/html", "") for out in cell.get("outputs", []))
            if 'class="dl-explorer"' not in html or 'type="range"' not in html:
                problems.append(f"cell {i}: tagged 'explorer' but shows no explorer: {first_line(cell)}")
    return problems


def run(path, timings, prefix=""):
    nb = nbformat.read(path, as_version=4)
    committed = committed_outputs(nb)
    if committed:
        return [f"outputs committed in the source notebook (cells {committed}): strip them"]
    add_survival_checks(nb)
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
            timings.append((prefix + path.name, i, seconds(cell), first_line(cell)))
    OUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, OUT / (prefix + path.name))
    html, _ = HTMLExporter().from_notebook_node(nb)
    (OUT / (prefix + path.stem + ".html")).write_text(html, encoding="utf-8")
    print(f"  {prefix}{path.name}: {total:.1f} s, HTML in {OUT.relative_to(ROOT) / (prefix + path.stem + '.html')}")
    return problems_of(nb)


def write_index():
    """target/notebooks/index.html: the executed lessons, linked in order, for a teacher to
    hand out (every page works offline, explorers included)."""
    items = []
    for page in sorted(OUT.glob("[0-9]*.html")):
        nb_path = ROOT / "notebooks" / (page.stem + ".ipynb")
        title = page.stem
        if nb_path.exists():
            first = nbformat.read(nb_path, as_version=4).cells[0]
            heading = "".join(first.source).splitlines()[0] if first.cell_type == "markdown" else ""
            title = heading.lstrip("# ").strip() or title
        items.append(f'<li><a href="{html_lib.escape(page.name)}">{html_lib.escape(title)}</a></li>')
    if not items:
        return
    (OUT / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>dl_lessons: Day 2, executed</title></head>"
        "<body style=\"font-family:sans-serif;max-width:50em;margin:2em auto\">"
        "<h1>Deep learning, Day 2, in Rust: the lessons, executed</h1>"
        "<p>Each page is a lesson as the Rust kernel ran it, with every chart; the explorers' "
        "sliders work in these pages without a kernel or a network.</p>"
        f"<ol>{''.join(items)}</ol></body></html>\n",
        encoding="utf-8",
    )
    print(f"index of the executed lessons: {(OUT / 'index.html').relative_to(ROOT)}")


def kernelspec_problem(plain):
    """The notebooks must run in the kernel students get: evcxr started by scripts/kernel.py,
    or, with plain, the user-wide kernelspec with the library's build settings."""
    spec = KernelSpecManager().get_kernel_spec("rust")
    launcher = any(Path(a).name == "kernel.py" for a in spec.argv)
    if plain:
        if launcher:
            return f"the user-wide kernelspec 'rust' runs {spec.argv}, not evcxr_jupyter alone"
        if "CARGO_PROFILE_DEV_DEBUG_ASSERTIONS" not in (spec.env or {}):
            return f"the user-wide kernelspec 'rust' ({spec.resource_dir}) lacks the build settings: run scripts/setup test"
    elif not launcher:
        return f"the kernelspec 'rust' runs {spec.argv}, not scripts/kernel.py: run scripts/setup test"
    return None


def run_one(path, timings, plain):
    """Runs one notebook in the launcher's kernelspec, or in the user-wide one if plain."""
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "0" if plain else "1"
    try:
        problem = kernelspec_problem(plain)
        return [problem] if problem else run(path, timings, "plain-" if plain else "")
    finally:
        os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"


def main():
    args = sys.argv[1:]
    runs = []  # (path, plain)
    while args:
        arg = args.pop(0)
        if arg == "--plain":
            runs.append((Path(args.pop(0)).resolve(), True))
        else:
            runs.append((Path(arg).resolve(), False))
    if not any(not plain for _, plain in runs):
        runs += [(p, False) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                 + sorted((ROOT / "tests" / "notebooks").glob("*.ipynb"))]
    passed, failed, timings = 0, 0, []
    for path, plain in runs:
        name = f"{path.name} (plain kernel)" if plain else path.name
        print(f"notebook {name}", flush=True)
        problems = run_one(path, timings, plain)
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print("  - " + p.replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok   {name}")
    if timings:
        OUT.mkdir(parents=True, exist_ok=True)
        lines = [f"{name}\tcell {i}\t{'?' if s is None else f'{s:.2f}'} s\t{src}" for name, i, s, src in timings]
        (OUT / "timings.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        slowest = sorted((t for t in timings if t[2] is not None), key=lambda t: -t[2])[:8]
        print("slowest cells (the first cell of each notebook compiles the crate):")
        for name, i, s, src in slowest:
            print(f"  {s:7.2f} s  {name} cell {i}: {src}")
    write_index()
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

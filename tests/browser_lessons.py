#!/usr/bin/env python3
"""The lessons as students see them: JupyterLab in a real browser.

Starts JupyterLab the way scripts/lab does (localhost, token on; a test workspace, user
settings with autosave off so the lessons are never written back, and every cell kept in the
page), opens each lesson in headless Chromium (Debian's `chromium`, driven by Playwright),
runs all cells from the Run menu, and checks:
  - the server refuses a request without the token,
  - every cell ran, and no cell shows an error or stderr,
  - every cell tagged "chart" shows its chart, of non-zero size and no wider than the
    notebook (1400 × 1000 window, file browser open),
  - every cell tagged "explorer" has its script running (the static note hidden), and each
    slider pressed to its end (the End key, as a student would) shows the frame computed for
    the values its labels show, different from the first frame,
  - Lesson 4's animated window moves (two screenshots of it a second apart differ),
  - the offline site (target/notebooks/index.html, written by scripts/run_notebooks.py):
    it links every lesson and each exported lesson's explorers work from the file.
Screenshots of each lesson and each explorer go to target/browser/ (and of a lesson's page
when its check stopped on an exception, `<lesson>-failed.png`). Prints
"browser: N passed, M failed" (one per lesson). Usage: browser_lessons.py [NOTEBOOK ...]
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "browser"
RUN_TIMEOUT = 900  # seconds for one lesson's Run All (Lesson 5 trains several networks)
SETTINGS = {  # JupyterLab user settings for the test only
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


def chromium():
    path = shutil.which("chromium")
    if not path:
        sys.exit("Debian's chromium is missing: run `apt-get install -y chromium` (scripts/setup test does it as root)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(scratch, token, port):
    settings = scratch / "settings"
    for name, value in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    args = [str(ROOT / "scripts" / "lab"), "--no-browser", f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}", f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
            f"--LabApp.user_settings_dir={settings}"]
    if os.geteuid() == 0:
        args.append("--allow-root")  # CI runs as root; JupyterLab refuses it otherwise
    log = open(OUT / "lab.log", "w")
    lab = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # setup checks first; seconds when all is installed
    while time.monotonic() < deadline:
        if lab.poll() is not None:
            sys.exit(f"JupyterLab exited ({lab.returncode}): see {OUT / 'lab.log'}")
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return lab, base
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    stop(lab)
    sys.exit(f"JupyterLab did not answer in 300 s: see {OUT / 'lab.log'}")


def stop(lab):
    try:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(lab.pid, signal.SIGKILL)


def refuses_without_token(base):
    try:
        urllib.request.urlopen(f"{base}/api/contents", timeout=5)
        return "GET /api/contents without the token was answered"
    except urllib.error.HTTPError as e:
        return None if e.code == 403 else f"GET /api/contents without the token: HTTP {e.code}, not 403"


def kernel_idle(base, token, name):
    """Whether the server reports the kernel of the notebook `name` idle."""
    sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10))
    return any(s["path"].endswith(name) and (s.get("kernel") or {}).get("execution_state") == "idle"
               for s in sessions)


def wait_for_idle_kernel(page, base, token, name, timeout=120):
    """Until the kernel is idle, as the status bar shows it or, failing that, as the server
    reports it (once, in CI, the status bar stayed without a state for 120 s after the
    kernel had started and connected: the cells then decide whether the lesson works)."""
    idle = page.get_by_text(re.compile(r"\| Idle$")).first
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if idle.is_visible() or kernel_idle(base, token, name):
            return
        time.sleep(0.5)
    raise TimeoutError(f"the kernel was not idle after {timeout} s (neither the status bar nor the server says so)")


def run_all(page, code_cells):
    """Run > Run All Cells (clicked again if no cell started), then waits until every code
    cell shows an execution count (or nothing has run for a while, when a cell failed and
    the run stopped)."""
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt")
    for _ in range(3):
        page.locator("div.lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator("li.lm-Menu-item", has_text="Run All Cells").first.click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(
                re.search(r"\[(\*|\d+)\]", p) for p in prompts.all_inner_texts()):
            time.sleep(0.25)
        if any(re.search(r"\[(\*|\d+)\]", p) for p in prompts.all_inner_texts()):
            break
    started = time.monotonic()
    idle_since = None
    while time.monotonic() - started < RUN_TIMEOUT:
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        done = sum(bool(re.search(r"\[\d+\]", p)) for p in prompts)
        busy = any("*" in p for p in prompts)
        if done >= code_cells and not busy:
            return time.monotonic() - started, None
        if busy or time.monotonic() - started < 20:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 5:
            return time.monotonic() - started, f"the run stopped after {done} of {code_cells} code cells"
        time.sleep(0.5)
    return RUN_TIMEOUT, f"Run All did not finish in {RUN_TIMEOUT} s"


def chart_problems(cell, where):
    """The chart is drawn (inline SVG of non-zero size) and fits its output area: a chart
    wider than the notebook would be cut off."""
    charts = cell.locator(".jp-OutputArea-output svg:not(svg svg)")
    if charts.count() == 0:
        return [f"{where}: tagged 'chart' but shows no chart"]
    problems = []
    for k in range(charts.count()):
        box = charts.nth(k).bounding_box()
        room = charts.nth(k).evaluate("s => s.closest('.jp-OutputArea-output').clientWidth")
        if not box or box["width"] <= 0 or box["height"] <= 0:
            problems.append(f"{where}: chart {k} did not render (box: {box})")
        elif box["width"] > room + 1:
            problems.append(f"{where}: chart {k} is {box['width']:.0f} px wide, its output "
                            f"{room} px: cut off")
    return problems


def explorer_problems(cell, where, shot):
    explorer = cell.locator(".jp-RenderedHTML .dl-explorer")
    if explorer.count() != 1:
        return [f"{where}: tagged 'explorer' but shows {explorer.count()} explorers"]
    return slider_problems(explorer, where, shot)


def slider_problems(explorer, where, shot):
    """Presses End on each slider of `explorer`; the frame shown must be the one computed
    for the values the labels show, and differ from the first."""
    if explorer.locator(".dl-static").is_visible():
        return [f"{where}: the explorer's script did not run (its static note is showing)"]
    view = explorer.locator(".dl-view")
    first = view.inner_html()
    sliders = explorer.locator("input[type=range]")
    for k in range(sliders.count()):
        sliders.nth(k).focus()
        sliders.nth(k).press("End")
    expected = ", ".join(
        f"{sliders.nth(k).get_attribute('aria-label')}={explorer.locator('output').nth(k).inner_text()}"
        for k in range(sliders.count()))
    at_ends = all(s.evaluate("s => s.value === s.max") for s in sliders.all())
    shown = view.locator(".dl-frame").get_attribute("data-values")
    problems = []
    if not at_ends:
        problems.append(f"{where}: a slider did not move to its end")
    if shown != expected:
        problems.append(f"{where}: the sliders say {expected!r} but the frame shown is {shown!r}")
    if view.inner_html() == first and any(s.get_attribute("max") != "0" for s in sliders.all()):
        problems.append(f"{where}: moving the sliders did not change the frame")
    if view.locator("svg, table, pre").count() == 0:
        problems.append(f"{where}: the frame at the sliders' ends shows nothing")
    explorer.screenshot(path=str(shot))
    return problems


def site_problems(browser):
    """The offline site that scripts/run_notebooks.py writes: the index links every lesson,
    and each exported lesson's explorers work from the file, without a kernel."""
    index = ROOT / "target" / "notebooks" / "index.html"
    if not index.exists():
        print("  (no target/notebooks/index.html: run scripts/run_notebooks.py first to check it)")
        return []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = []
    try:
        page.goto(index.as_uri())
        links = page.locator("a").evaluate_all("links => links.map(a => a.href)")
        if len(links) < 5:
            problems.append(f"index.html links {len(links)} lessons, not 5")
        explorers = 0
        for href in links:
            page.goto(href, wait_until="domcontentloaded")
            found = page.locator(".dl-explorer")
            explorers += found.count()
            for k in range(found.count()):
                name = f"{Path(href).name} explorer {k}"
                problems += slider_problems(found.nth(k), name, OUT / f"site-{Path(href).stem}-{k}.png")
        if explorers == 0:
            problems.append("the exported lessons have no explorers")
        else:
            print(f"  the offline site: {len(links)} lessons, {explorers} explorers checked")
    finally:
        page.close()
    return problems


def animation_problems(cell, where, shot):
    image = cell.locator(".jp-OutputArea-output svg").first
    first = image.screenshot(path=str(shot))
    time.sleep(1.0)  # the window moves every 0.8 s
    return [] if image.screenshot() != first else [f"{where}: the animated window did not move in 1 s"]


def check_lesson(browser, base, token, path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code_cells = sum(c["cell_type"] == "code" for c in cells)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = []
    try:
        page.goto(f"{base}/lab/workspaces/test-{path.stem}/tree/{path.name}?reset&token={token}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
        wait_for_idle_kernel(page, base, token, path.name)
        seconds, stopped = run_all(page, code_cells)
        print(f"  {path.name}: Run All took {seconds:.1f} s", flush=True)
        if stopped:
            problems.append(stopped)
        dom_cells = page.locator(".jp-Notebook .jp-Cell")
        if dom_cells.count() != len(cells):
            return problems + [f"the page shows {dom_cells.count()} cells, the notebook has {len(cells)}"]
        for i, spec in enumerate(cells):
            if spec["cell_type"] != "code":
                continue
            cell = dom_cells.nth(i)
            cell.scroll_into_view_if_needed()
            where = f"cell {i} ({spec['id']})"
            for mime in ("application/vnd.jupyter.stderr", "application/vnd.jupyter.error"):
                bad = cell.locator(f'[data-mime-type="{mime}"]')
                if bad.count():
                    problems.append(f"{where}: shows {mime.split('.')[-1]}: {bad.first.inner_text()[:300]}")
            tags = spec.get("metadata", {}).get("tags", [])
            if "chart" in tags:
                problems += chart_problems(cell, where)
            if "explorer" in tags:
                problems += explorer_problems(cell, where, OUT / f"{path.stem}-{spec['id']}.png")
            if "animation" in tags:
                problems += animation_problems(cell, where, OUT / f"{path.stem}-{spec['id']}.png")
        page.locator(".jp-Notebook").first.evaluate("n => n.scrollTop = 0")
        page.screenshot(path=str(OUT / f"{path.stem}.png"))
    except Exception:
        try:  # what the page showed; a closed page has nothing to show, and the error stays
            page.screenshot(path=str(OUT / f"{path.stem}-failed.png"))
        except Exception:
            pass
        raise
    finally:
        page.close()
        shut_down_kernels(base, token)
    return problems


def shut_down_kernels(base, token):
    """Ends the lesson's kernel, so the next lesson has the machine to itself."""
    sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10))
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30)


def main():
    from playwright.sync_api import sync_playwright

    lessons = [Path(a).resolve() for a in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    OUT.mkdir(parents=True, exist_ok=True)
    before = {p: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    token = secrets.token_hex(16)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        lab, base = start_lab(Path(scratch), token, free_port())
        try:
            refused = refuses_without_token(base)
            print(f"{'FAIL' if refused else 'ok  '} the server refuses a request without the token")
            passed, failed = (0, 1) if refused else (1, 0)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
                for path in lessons:
                    print(f"lesson {path.name}", flush=True)
                    try:
                        problems = check_lesson(browser, base, token, path)
                    except Exception as e:  # a selector that never appeared, a closed page
                        problems = [f"{type(e).__name__}: {e}"]
                    if problems:
                        failed += 1
                        print(f"FAIL {path.name}")
                        for problem in problems:
                            print("  - " + problem)
                    else:
                        passed += 1
                        print(f"ok   {path.name}")
                print("offline site", flush=True)
                problems = site_problems(browser)
                for problem in problems:
                    print("  - " + problem)
                print(f"{'FAIL' if problems else 'ok  '} the offline site")
                passed, failed = (passed, failed + 1) if problems else (passed + 1, failed)
                browser.close()
        finally:
            stop(lab)
    for p, content in before.items():  # the lessons must come out as they went in
        if p.read_bytes() != content:
            p.write_bytes(content)
            failed += 1
            print(f"FAIL {p.name} was written by JupyterLab during the test (restored)")
    print(f"screenshots in {OUT.relative_to(ROOT)}")
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

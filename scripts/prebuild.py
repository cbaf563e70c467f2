#!/usr/bin/env python3
"""Compiles the library where the lessons' kernels will look for it, ahead of time.

Starts the project's Rust kernel (scripts/kernel.py, the kernelspec "rust" in .venv) in
notebooks/, runs the lessons' first cell, and shuts it down. The kernel's build folder
(target/kernels/0) then holds dl_lessons and its dependencies compiled, so the first lesson a
student opens starts like a restart does. Prints how long it took; exits non-zero if the cell
fails.

Usage: prebuild.py
"""
import os
import sys
import time
from pathlib import Path

os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"  # the project's kernelspec

from jupyter_client.manager import start_new_kernel  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETUP_CELL = ':dep dl_lessons = { path = ".." }\nuse dl_lessons::prelude::*;\ncheck_kernel_setup()?;'


def main():
    started = time.monotonic()
    km, kc = start_new_kernel(kernel_name="rust", cwd=str(ROOT / "notebooks"), startup_timeout=120)
    errors = []

    def collect(msg):
        content = msg["content"]
        if msg["msg_type"] == "error" or (msg["msg_type"] == "stream" and content.get("name") == "stderr"):
            errors.append(content.get("text") or content.get("evalue", ""))

    try:
        reply = kc.execute_interactive(SETUP_CELL, timeout=1800, output_hook=collect)
        if reply["content"]["status"] != "ok":
            errors.append(str(reply["content"]))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    if errors:
        print("[setup] building the library in the kernel failed:\n" + "\n".join(errors), file=sys.stderr)
        return 1
    print(f"[setup] the library is compiled for the lessons' kernels ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

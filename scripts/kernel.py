#!/usr/bin/env python3
"""Starts the Rust kernel (evcxr_jupyter) with a build folder that outlives it.

evcxr compiles each notebook's code, and the crate it loads with `:dep`, in a folder of its
own. By default that folder is a new temporary one per kernel, so every kernel start, and
every restart, compiles dl_lessons again (about 30 s here). This launcher gives the kernel
the folder `target/kernels/<n>/` instead: the first one that no running kernel holds. A
restarted kernel finds the crate already compiled there and starts in seconds, and two
notebooks open at once still get a folder each. A new folder starts as a copy of a built one,
so the second notebook open at once does not compile dl_lessons and its dependencies again.

A folder is held with a POSIX lock on `target/kernels/<n>/lock`. The lock belongs to the
kernel's process (this one, after `exec`), so the system releases it when the kernel exits,
however it exits. `cargo clean` removes the folders; they are only a cache.

Every build in those folders also reads `target/kernels/.cargo/config.toml`, which this
launcher writes: dl_lessons compiled at opt-level 3 (CARGO_CONFIG below).

Both kernelspecs setup writes (this launcher's in .venv, and the user-wide one that
`evcxr_jupyter --install` registers) carry KERNEL_ENV, the settings that make evcxr compile
the library without debug checks: a notebook's first cell then only loads it. Each also
gets RUST_SRC_PATH, the standard library's sources for evcxr's type analyser without their
Cargo workspace and SIMD intrinsics (see `library_sources`): every kernel then starts about
3.5 s sooner. The launcher's are links in `target/kernels/rust-src`, made again at a kernel's
start if `cargo clean` removed them; the user-wide kernelspec's, in its own folder.

Usage:
    kernel.py install EVCXR_JUPYTER_PATH   writes the kernelspec "rust" into this Python's
                                           environment (scripts/setup does this)
    kernel.py add-env KERNEL_JSON          adds KERNEL_ENV to an existing kernelspec (setup
                                           does this for the user-wide one)
    kernel.py EVCXR_JUPYTER_PATH --control_file CONNECTION_FILE   (what the kernelspec runs)
"""
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# DL_LESSONS_KERNEL_FOLDERS moves the folders (scripts/bench_kernel.py starts from empty ones).
KERNELS = Path(os.environ.get("DL_LESSONS_KERNEL_FOLDERS") or Path(__file__).resolve().parent.parent / "target" / "kernels")
MAX_FOLDERS = 16

# Cargo reads these for every build evcxr runs: the library compiled with its optimisations
# (evcxr's default opt-level 2) and without debug assertions and overflow checks, which
# would make training about thirty times slower.
KERNEL_ENV = {
    "CARGO_PROFILE_DEV_DEBUG_ASSERTIONS": "false",
    "CARGO_PROFILE_DEV_OVERFLOW_CHECKS": "false",
}

# Cargo reads the configuration files of the folders above the one it builds in, so this
# one, written to the folders' parent, applies to every build in a launcher's folder (not
# to a kernel started without the launcher): dl_lessons at opt-level 3 instead of evcxr's 2.
# Its training runs up to 10% faster (about 15% before the product's kernel ran as fast at
# opt-level 2; docs/performance.md); its first build takes a few seconds more, which
# setup's prebuild pays once. A package override, so the cells themselves compile as before.
CARGO_CONFIG = """\
# Written by scripts/kernel.py (the kernel launcher) for every build in these folders.
[profile.dev.package.dl_lessons]
opt-level = 3
"""


def write_if_changed(path, text):
    """Writes `text` to `path` (and the folders above it) unless it holds it; True if written."""
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


def claim_folder():
    """The first folder no running kernel holds, locked for this process; None if all are held."""
    for n in range(MAX_FOLDERS):
        folder = KERNELS / str(n)
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        # Closing the file would release the lock: keep it open across exec.
        os.set_inheritable(fd, True)
        return folder
    return None


@contextlib.contextmanager
def no_build_running(crate):
    """Holds cargo's own build locks in `crate` shared (a build there waits until the block
    ends); raises BlockingIOError if a build is running now."""
    with contextlib.ExitStack() as stack:
        for lock in sorted(crate.glob("target/**/.cargo-lock")):
            file = stack.enter_context(open(lock, "rb"))
            fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        yield


def seed(folder):
    """Gives a new folder a copy of the most recently built one, which cargo finds up to date:
    a kernel there starts in seconds instead of compiling everything (about 20 s). The copy
    is taken while no build runs in the source and appears under its name only when complete;
    if none can be made, evcxr builds from scratch as before."""
    crate = folder / "crate"
    if crate.exists():
        return
    # evcxr rewrites src/lib.rs at every cell: the newest is the folder last used.
    built = sorted(KERNELS.glob("*/crate/src/lib.rs"), key=lambda f: f.stat().st_mtime, reverse=True)
    partial = folder / "crate.partial"
    for source in (f.parent.parent for f in built):
        if not (source / "target").is_dir():
            continue
        shutil.rmtree(partial, ignore_errors=True)
        try:
            with no_build_running(source):
                shutil.copytree(source, partial, symlinks=True)
            partial.rename(crate)
            return
        except OSError:  # a build is running there, or the disk is full: try the next one
            shutil.rmtree(partial, ignore_errors=True)


# The library folders the type analyser does without (see library_sources): stdarch holds
# core::arch, portable-simd the unstable core::simd (nightly only), backtrace a private
# module of std.
LEFT_OUT = {"stdarch", "portable-simd", "backtrace"}


def library_sources(links):
    """The standard library's sources for evcxr's type analyser (rust-analyzer), as it loads
    them fastest: the folder `links`, a link to each folder of the toolchain's
    `lib/rustlib/src/rust/library` but those in LEFT_OUT, and not its `Cargo.toml`.
    - Given the real folder, the analyser runs `cargo metadata` on that workspace and loads its
      53 packages (libc, gimli, windows-sys, ...: cargo downloads them the first time, and an
      offline laptop waits for the network to fail) before any cell runs. Without the
      manifest it loads the sysroot crates only (core, alloc, std, ...).
    - `stdarch` holds `core::arch`, the SIMD intrinsics: 184,000 lines for x86 alone, a third
      of what the analyser parses, and no lesson variable's type comes from there (the analyser
      only infers the types of the variables a cell defines; rustc compiles everything).
      `portable-simd` and `backtrace` (19,000 lines) serve nothing a student can call on
      a stable toolchain.
    The first two save about 1.5 s each of every kernel's start, the last two about 0.5 s
    (docs/performance.md). `links` must lie outside the project, or in its `target/`: the
    analyser reads every `.rs` file under the library's folder but `target/` (and `.git/`,
    `tests/`, ...), following links, so links anywhere else there (in `.venv/`, say) would
    have it read the whole library once more. Only links are ever removed from `links`.
    Returns the kernel's environment entry, or nothing if rustc or its rust-src component is
    missing (the analyser then finds the sources itself, as before). If the toolchain moves,
    the analyser ignores the variable, which costs only the time saved."""
    try:
        sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True,
                                 check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {}
    library = Path(sysroot) / "lib" / "rustlib" / "src" / "rust" / "library"
    if not (library / "core" / "src" / "lib.rs").is_file():
        return {}
    links.mkdir(parents=True, exist_ok=True)
    for old in links.iterdir():
        if old.is_symlink():
            old.unlink()
    for folder in sorted(p for p in library.iterdir() if p.is_dir() and p.name not in LEFT_OUT):
        (links / folder.name).symlink_to(folder, target_is_directory=True)
    return {"RUST_SRC_PATH": str(links)}


def install(evcxr):
    """Writes the kernelspec that starts evcxr through this script, if it changed."""
    spec = {
        "argv": [sys.executable, str(Path(__file__).resolve()), evcxr, "--control_file", "{connection_file}"],
        "display_name": "Rust",
        "interrupt_mode": "message",
        "language": "rust",
    }
    path = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "rust" / "kernel.json"
    # in the build folders' parent, which `cargo clean` empties: the launcher makes them again
    spec["env"] = {**KERNEL_ENV, **library_sources(KERNELS / "rust-src")}
    if write_if_changed(path, json.dumps(spec, indent=2) + "\n"):
        print(f"[setup] wrote the project's kernelspec: {path}")
    else:
        print(f"[setup] the project's kernelspec is in place ({path.parent})")


def add_env(kernel_json):
    """Adds KERNEL_ENV and `library_sources` to the kernelspec at `kernel_json`, keeping what
    else it sets."""
    path = Path(kernel_json)
    spec = json.loads(path.read_text())
    env = {**spec.get("env", {}), **KERNEL_ENV, **library_sources(path.parent / "rust-src")}
    if spec.get("env") == env:
        print(f"[setup] {path} has the library's build settings")
        return
    spec["env"] = env
    path.write_text(json.dumps(spec, indent=2) + "\n")
    print(f"[setup] added the library's build settings to {path}")


def main():
    if len(sys.argv) < 2 or (sys.argv[1] in ("install", "add-env") and len(sys.argv) != 3):
        sys.exit(__doc__)
    if sys.argv[1] == "install":
        return install(sys.argv[2])
    if sys.argv[1] == "add-env":
        return add_env(sys.argv[2])
    evcxr, args = sys.argv[1], sys.argv[2:]
    try:
        write_if_changed(KERNELS / ".cargo" / "config.toml", CARGO_CONFIG)
        links = KERNELS / "rust-src"  # the kernelspec's RUST_SRC_PATH, gone after `cargo clean`
        if os.environ.get("RUST_SRC_PATH") == str(links) and not (links / "core").exists():
            library_sources(links)
        folder = claim_folder()
    except OSError as error:  # e.g. a read-only checkout: fall back to evcxr's temp folder
        print(f"dl_lessons kernel: no build folder ({error}); using a temporary one", file=sys.stderr)
        folder = None
    if folder is not None:
        with contextlib.suppress(OSError):  # without a copy evcxr builds from scratch
            seed(folder)
        os.environ["EVCXR_TMPDIR"] = str(folder / "crate")
    os.execv(evcxr, [evcxr, *args])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tests of scripts/kernel.py, the kernel launcher: each running kernel gets a build folder of
its own, held for as long as the process that `exec`s from the launcher lives, and a new
folder starts as a copy of a built one.

The launcher starts `/bin/sh` here instead of evcxr, which prints the folder it was given
and waits, so the test sees exactly what a kernel would. Prints "launcher: N passed, M failed".
"""
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAUNCHER = Path(__file__).resolve().parent.parent / "scripts" / "kernel.py"
KERNELS = LAUNCHER.parent.parent / "target" / "kernels"


def start(folders, seconds):
    """A fake kernel through the launcher: prints EVCXR_TMPDIR, then sleeps in the same process."""
    env = dict(os.environ, DL_LESSONS_KERNEL_FOLDERS=folders)
    return subprocess.Popen(
        [sys.executable, str(LAUNCHER), "/bin/sh", "-c", f'echo "$EVCXR_TMPDIR"; exec sleep {seconds}'],
        env=env, stdout=subprocess.PIPE, text=True)


def folder_of(kernel):
    return Path(kernel.stdout.readline().strip())


def test_kernels_running_at_once_get_their_own_folders():
    with tempfile.TemporaryDirectory() as folders:
        kernels = [start(folders, 3) for _ in range(3)]
        got = [folder_of(k) for k in kernels]
        for k in kernels:
            k.kill()
            k.wait()
        assert sorted(got) == [Path(folders) / str(n) / "crate" for n in range(3)], got


def test_a_folder_is_free_again_when_its_kernel_exits():
    with tempfile.TemporaryDirectory() as folders:
        first = start(folders, 30)
        assert folder_of(first) == Path(folders) / "0" / "crate"
        second = start(folders, 0)
        assert folder_of(second) == Path(folders) / "1" / "crate"
        second.wait()
        first.kill()  # however a kernel ends, the system drops its lock
        first.wait()
        third = start(folders, 0)
        assert folder_of(third) == Path(folders) / "0" / "crate"
        third.wait()


def built_folder(folders, n):
    """Folder n as a kernel leaves it: evcxr's source and cargo's target with its build lock."""
    crate = Path(folders) / str(n) / "crate"
    debug = crate / "target" / "x86_64-unknown-linux-gnu" / "debug"
    (debug / "deps").mkdir(parents=True)
    (debug / ".cargo-lock").touch()
    (debug / "deps" / "libdl_lessons.rlib").write_bytes(b"compiled")
    (crate / "src").mkdir()
    (crate / "src" / "lib.rs").write_text("// the last cell")
    return crate


def test_a_new_folder_starts_as_a_copy_of_a_built_one():
    with tempfile.TemporaryDirectory() as folders:
        source = built_folder(folders, 0)
        first = start(folders, 30)
        assert folder_of(first) == source
        second = start(folders, 0)
        copy = folder_of(second)
        second.wait()
        first.kill()
        first.wait()
        assert copy == Path(folders) / "1" / "crate"
        rlib = Path("target") / "x86_64-unknown-linux-gnu" / "debug" / "deps" / "libdl_lessons.rlib"
        assert (copy / rlib).read_bytes() == b"compiled"
        assert (copy / "src" / "lib.rs").exists()
        assert not (copy.parent / "crate.partial").exists()


def test_no_copy_of_a_folder_while_cargo_builds_in_it():
    with tempfile.TemporaryDirectory() as folders:
        source = built_folder(folders, 0)
        with open(source / "target" / "x86_64-unknown-linux-gnu" / "debug" / ".cargo-lock", "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # as cargo holds it during a build
            first = start(folders, 30)  # takes folder 0, whose crate is there already
            got = [folder_of(first)]
            second = start(folders, 0)
            got.append(folder_of(second))
            second.wait()
            first.kill()
            first.wait()
        assert got == [source, Path(folders) / "1" / "crate"], got
        assert not got[1].exists() and not (got[1].parent / "crate.partial").exists()


def test_builds_in_a_folder_compile_dl_lessons_at_opt_level_3():
    with tempfile.TemporaryDirectory() as folders:
        kernel = start(folders, 0)
        crate = folder_of(kernel)
        kernel.wait()
        # a one-line crate named dl_lessons where evcxr's crate would be: cargo finds the
        # launcher's configuration above it and passes its opt-level to rustc
        (crate / "src").mkdir(parents=True)
        (crate / "src" / "lib.rs").write_text("pub fn one() -> u32 { 1 }\n")
        (crate / "Cargo.toml").write_text('[package]\nname = "dl_lessons"\nversion = "0.1.0"\nedition = "2021"\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARGO_PROFILE_")}
        build = subprocess.run(["cargo", "build", "-v", "--offline"], cwd=crate, env=env,
                               capture_output=True, text=True)
        assert build.returncode == 0, build.stderr
        assert "opt-level=3" in build.stderr, build.stderr


def test_install_writes_a_kernelspec_that_runs_the_launcher():
    with tempfile.TemporaryDirectory() as prefix:
        # a Python whose sys.prefix is the temp folder: a virtual environment without pip
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", prefix], check=True)
        python = Path(prefix) / "bin" / "python"
        for _ in range(2):  # the second run finds it in place
            subprocess.run([str(python), str(LAUNCHER), "install", "/opt/evcxr_jupyter"], check=True,
                           stdout=subprocess.DEVNULL)
        spec = json.loads((Path(prefix) / "share" / "jupyter" / "kernels" / "rust" / "kernel.json").read_text())
        assert spec["argv"] == [str(python), str(LAUNCHER), "/opt/evcxr_jupyter", "--control_file", "{connection_file}"], spec
        assert spec["language"] == "rust"
        assert spec["env"]["CARGO_PROFILE_DEV_DEBUG_ASSERTIONS"] == "false", spec
        assert_library_sources(spec["env"]["RUST_SRC_PATH"], KERNELS / "rust-src")


def test_add_env_gives_a_kernelspec_the_build_settings_and_keeps_the_rest():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kernel.json"
        path.write_text(json.dumps({"argv": ["evcxr_jupyter"], "env": {"MINE": "1"}}))
        for _ in range(2):  # the second run changes nothing
            subprocess.run([sys.executable, str(LAUNCHER), "add-env", str(path)], check=True, stdout=subprocess.DEVNULL)
        spec = json.loads(path.read_text())
        assert spec["argv"] == ["evcxr_jupyter"], spec
        assert spec["env"] == {"MINE": "1", "CARGO_PROFILE_DEV_DEBUG_ASSERTIONS": "false",
                               "CARGO_PROFILE_DEV_OVERFLOW_CHECKS": "false",
                               "RUST_SRC_PATH": str(Path(folder) / "rust-src")}, spec
        assert_library_sources(spec["env"]["RUST_SRC_PATH"], Path(folder) / "rust-src")


def test_a_kernel_start_makes_the_library_links_again_after_cargo_clean():
    with tempfile.TemporaryDirectory() as folders:
        links = Path(folders) / "rust-src"
        env = dict(os.environ, DL_LESSONS_KERNEL_FOLDERS=folders, RUST_SRC_PATH=str(links))
        subprocess.run([sys.executable, str(LAUNCHER), "/bin/true"], env=env, check=True)
        assert_library_sources(str(links), links)


def test_the_launcher_leaves_a_rust_src_path_of_its_own_alone():
    with tempfile.TemporaryDirectory() as folders, tempfile.TemporaryDirectory() as mine:
        (Path(mine) / "libcore").mkdir()  # an old layout, without `core`
        env = dict(os.environ, DL_LESSONS_KERNEL_FOLDERS=folders, RUST_SRC_PATH=mine)
        subprocess.run([sys.executable, str(LAUNCHER), "/bin/true"], env=env, check=True)
        assert [p.name for p in Path(mine).iterdir()] == ["libcore"]
        assert not (Path(folders) / "rust-src").exists()


def test_setup_removes_only_links_from_the_library_folder():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kernel.json"
        path.write_text(json.dumps({"argv": ["evcxr_jupyter"]}))
        notes = Path(folder) / "rust-src" / "notes"
        notes.mkdir(parents=True)
        (notes / "keep.txt").write_text("mine")
        subprocess.run([sys.executable, str(LAUNCHER), "add-env", str(path)], check=True, stdout=subprocess.DEVNULL)
        assert (notes / "keep.txt").read_text() == "mine"
        assert (Path(folder) / "rust-src" / "core").is_symlink()


def assert_library_sources(rust_src_path, expected):
    """RUST_SRC_PATH is the kernelspec's `rust-src`: the toolchain's library folders, linked,
    without the Cargo workspace that would make the type analyser load 53 packages, and
    without stdarch (core::arch), portable-simd (core::simd) and backtrace."""
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
    library = Path(sysroot) / "lib" / "rustlib" / "src" / "rust" / "library"
    links = Path(rust_src_path)
    assert links == expected, links
    assert sorted(p.name for p in links.iterdir()) == sorted(p.name for p in library.iterdir() if p.is_dir() and p.name not in ("stdarch", "portable-simd", "backtrace"))
    assert (links / "core" / "src" / "lib.rs").is_file() and (links / "std" / "src" / "lib.rs").is_file()
    assert not (links / "Cargo.toml").exists()
    assert (links / "core").resolve() == (library / "core").resolve()


def main():
    tests = [f for name, f in sorted(globals().items()) if name.startswith("test_")]
    failed = 0
    for test in tests:
        started = time.monotonic()
        try:
            test()
            print(f"ok   {test.__name__} ({time.monotonic() - started:.1f} s)")
        except Exception as e:  # an assertion or a launcher that did not start
            failed += 1
            print(f"FAIL {test.__name__}: {type(e).__name__}: {e}")
    print(f"launcher: {len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

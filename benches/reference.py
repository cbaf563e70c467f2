"""How a reference script is timed: named measurements, each the median of some calls.

`run(measurements, info)` takes a dict of name -> function (one call of the timed work)
and a function that returns the `key value` lines that describe the run (versions,
threads, the BLAS kernel). Run by hand, the script times every measurement (3 warm-up
calls, then the median of `repeats` calls, default 25), prints `name seconds` lines, then
the info lines. With `--serve` (how the Rust benchmarks drive it, so that both sides of a
ratio are timed within a second of each other), it prints the info lines and `ready`,
then answers each `name repeats` line on stdin with `name seconds` until stdin closes.
"""
import statistics
import sys
import time

WARM_UP = 3


def median_seconds(call, repeats):
    for _ in range(WARM_UP):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(measurements, info):
    if "--serve" not in sys.argv[1:]:
        repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 25
        for name, call in measurements.items():
            print(f"{name} {median_seconds(call, repeats):.6f}", flush=True)
        print(info(), flush=True)
        return
    print(info(), "ready", sep="\n", flush=True)
    for line in sys.stdin:
        name, repeats = line.split()
        print(f"{name} {median_seconds(measurements[name], int(repeats)):.6f}", flush=True)

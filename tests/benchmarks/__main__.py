"""`make bench`: run every benchmark and print its figures (BENCH=name runs one)."""

import os

from tests.benchmarks import bench_booking, bench_pipeline, bench_streams, bench_tracking

BENCHMARKS = {"streams": bench_streams.main, "pipeline": bench_pipeline.main, "booking": bench_booking.main}
BENCHMARKS["tracking"] = bench_tracking.main


def main() -> None:
    wanted = os.environ.get("BENCH")
    for name, run in BENCHMARKS.items():
        if wanted in (None, "", name):
            run()


if __name__ == "__main__":
    main()

"""`make bench`: run every benchmark and print its figures."""

from tests.benchmarks import bench_streams


def main() -> None:
    bench_streams.main()


if __name__ == "__main__":
    main()

"""Placeholder: being written."""


def drain() -> int:
    return 0

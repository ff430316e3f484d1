"""Placeholder: being written."""


def document() -> dict:
    return {"openapi": "3.1.0", "info": {"title": "Kervan", "version": "1"}, "paths": {}}

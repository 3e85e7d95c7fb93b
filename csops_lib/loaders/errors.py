"""The loader's errors: a file that cannot be loaded at all, or lacks a required column."""
from __future__ import annotations


class LoadError(ValueError):
    """A file cannot be loaded at all (unknown table, no header, unreadable file)."""


class MissingColumnError(LoadError):
    """A required column is absent; ``missing`` lists the canonical names."""

    def __init__(self, message: str, missing: list[str]):
        super().__init__(message)
        self.missing = missing



class UnexpectedLoadError(LoadError):
    """Loading failed in a way the loader does not foresee (a bug): still one line naming the
    file, never a traceback; the fuzz tests check no export ever gets here."""

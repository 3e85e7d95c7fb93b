"""The base of every settings model: defaults are the model's fields (defined once), the
report's YAML file in ``params/`` holds overrides, the command line overrides both, and every
invalid value is one error line in one format:

``params/promo.yaml: concurrency: Input should be greater than 0 (got -1)``
``overrides: unknown setting 'slow_gapp_s'; known keys: slow_gap_s, slow_times, …``
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from csops_lib.settings.paths import ROOT


class SettingsError(ValueError):
    """An unknown or invalid setting; the message is one line naming where and which."""


def error_line(error: Mapping[str, Any], where: str, known: Iterable[str] = ()) -> str:
    """One pydantic error as the one-line message of every settings error."""
    field = ".".join(str(p) for p in error.get("loc", ())) or "(settings)"
    if error.get("type") == "extra_forbidden":
        known = list(known)
        listed = f"; known keys: {', '.join(known)}" if known else ""
        return f"{where}: unknown setting {field!r}{listed}"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {field}: {message} (got {error.get('input')!r})"


class Settings(BaseModel):
    """A settings model. Subclasses declare fields with defaults (and a ``description``) and
    ``FILE`` (the YAML file in params/ that may override them)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    FILE: ClassVar[str | None] = None
    #: the exception raised on a bad setting (a subclass keeps ``except SettingsError`` working)
    ERROR: ClassVar[type[SettingsError]] = SettingsError

    @classmethod
    def file_path(cls) -> Path | None:
        return ROOT / "params" / cls.FILE if cls.FILE else None

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every setting with its default value."""
        return cls().model_dump()

    @classmethod
    def docs(cls) -> dict[str, tuple[Any, str]]:
        """Every setting → (default, one-line meaning from the field's description)."""
        defaults = cls.defaults()
        return {name: (defaults[name], info.description or "")
                for name, info in cls.model_fields.items()}

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> dict[str, Any]:
        """The overrides in ``path`` (default: the model's file in params/), or ``{}``."""
        file = Path(path) if path else cls.file_path()
        if file is None or not file.exists():
            return {}
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(data, Mapping):
            raise cls.ERROR(f"{file}: must be a mapping of setting: value, "
                            f"got {type(data).__name__}")
        return dict(data)

    @classmethod
    def validate_values(cls, values: Mapping[str, Any], where: str = "settings"):
        """``values`` (over the defaults) as a validated model; a bad value raises
        :attr:`ERROR` naming ``where`` and the setting."""
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            raise cls.ERROR(error_line(exc.errors()[0], where, cls.model_fields)) from None

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, *, path: str | Path | None = None,
             where: str = "settings"):
        """Defaults ← the YAML file ← ``overrides``, validated; a bad value raises
        :attr:`ERROR` (a :class:`SettingsError`) naming the file (or ``where``) and the setting."""
        values = cls.from_file(path)
        file = Path(path) if path else cls.file_path()
        model = cls.validate_values(values, str(file))
        if overrides:
            model = cls.validate_values({**values, **dict(overrides)}, where)
        return model

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()

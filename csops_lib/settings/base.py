"""The base of every settings model: defaults are the model's fields (defined once), the
report's YAML file in ``params/`` holds overrides, the command line overrides both, and every
invalid value is one error line in one format:

``params/promo.yaml: concurrency: Input should be greater than 0 (got -1)``
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from csops_lib.settings.paths import ROOT


class SettingsError(ValueError):
    """An unknown or invalid setting; the message is one line naming where and which."""


def _message(error: dict, where: str) -> str:
    field = ".".join(str(p) for p in error.get("loc", ())) or "(settings)"
    if error.get("type") == "extra_forbidden":
        return f"{where}: unknown setting {field!r}"
    got = error.get("input")
    return f"{where}: {field}: {error.get('msg')} (got {got!r})"


class Settings(BaseModel):
    """A settings model. Subclasses declare fields with defaults and ``FILE`` (the YAML file
    in params/ that may override them)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    FILE: ClassVar[str | None] = None

    @classmethod
    def file_path(cls) -> Path | None:
        return ROOT / "params" / cls.FILE if cls.FILE else None

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> dict[str, Any]:
        """The overrides in ``path`` (default: the model's file in params/), or ``{}``."""
        file = Path(path) if path else cls.file_path()
        if file is None or not file.exists():
            return {}
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(data, Mapping):
            raise SettingsError(f"{file}: must be a mapping of setting: value")
        return dict(data)

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, *, path: str | Path | None = None,
             where: str = "settings"):
        """Defaults ← the YAML file ← ``overrides``, validated; a bad value raises
        :class:`SettingsError` naming the file (or ``where``) and the setting."""
        values = cls.from_file(path)
        file = Path(path) if path else cls.file_path()
        try:
            model = cls.model_validate(values)
        except ValidationError as exc:
            raise SettingsError(_message(exc.errors()[0], str(file))) from None
        if overrides:
            try:
                model = cls.model_validate({**values, **dict(overrides)})
            except ValidationError as exc:
                raise SettingsError(_message(exc.errors()[0], where)) from None
        return model

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()

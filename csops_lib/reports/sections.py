"""A report is an ordered registry of sections; each section is one entry here plus its frame
builder. The table of contents, ``has()``, the workbook's sheets and the appendix are derived
from the registry, so adding a section touches one place.

A frame builder is a pure function ``build(data) -> DataFrame | None`` over the report's
loaded data (a small dataclass of DataFrames per report): ``None`` or an empty frame means
the section has nothing to show for this period and is left out.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Section:
    """One section of a report.

    - ``key``: its label key (heading, table of contents, sheet name, anchor);
    - ``build``: the frame builder (``data -> DataFrame | None``); ``None`` for a section
      that is only text (e.g. the appendix);
    - ``needs``: attributes of the report's data that must be present and non-empty;
    - ``kinds``: the format kind of each column the frame shows (render/formats.py);
    - ``chart``: the name of its chart in the report's view (``None``: a table only);
    - ``sheet``: whether the frame goes into the workbook;
    - ``defines``: the metric keys the appendix defines for it.
    """

    key: str
    build: Callable[[Any], pd.DataFrame | None] | None = None
    needs: tuple[str, ...] = ()
    kinds: Mapping[str, str] = field(default_factory=dict)
    chart: str | None = None
    sheet: bool = True
    defines: tuple[str, ...] = ()


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return not value.empty
    return bool(value)


class Registry:
    """The sections of one report, in report order."""

    def __init__(self, sections: Iterable[Section]):
        self.sections = list(sections)
        keys = [s.key for s in self.sections]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate section keys: {keys}")
        self._by_key = {s.key: s for s in self.sections}

    def __getitem__(self, key: str) -> Section:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"no section {key!r}; sections: {', '.join(self._by_key)}") from None

    def __iter__(self):
        return iter(self.sections)

    def keys(self) -> list[str]:
        return [s.key for s in self.sections]

    def has(self, key: str, data: Any) -> bool:
        """Whether the data allow section ``key`` (its ``needs`` are present)."""
        return all(_present(getattr(data, n, None)) for n in self[key].needs)

    def available(self, data: Any) -> list[str]:
        """The keys of the sections the data allow, in order (the table of contents)."""
        return [s.key for s in self.sections if self.has(s.key, data)]

    def frame(self, key: str, data: Any) -> pd.DataFrame | None:
        """Section ``key``'s frame, or ``None`` when the data do not allow it."""
        section = self[key]
        if section.build is None or not self.has(key, data):
            return None
        return section.build(data)

    def sheets(self, data: Any) -> dict[str, tuple[pd.DataFrame, Mapping[str, str]]]:
        """``{key: (frame, kinds)}`` of every available section that goes into the workbook
        and has rows."""
        out = {}
        for s in self.sections:
            if not s.sheet:
                continue
            frame = self.frame(s.key, data)
            if frame is not None and not frame.empty:
                out[s.key] = (frame, s.kinds)
        return out

    def defined(self, data: Any) -> list[str]:
        """The metric keys the appendix defines: those of the available sections, once each."""
        seen: dict[str, None] = {}
        for key in self.available(data):
            for metric in self[key].defines:
                seen.setdefault(metric, None)
        return list(seen)

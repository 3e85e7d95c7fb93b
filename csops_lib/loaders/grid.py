"""Reading an export into a grid of text cells, finding its header row and table, and
mapping its headers onto the canonical columns of :mod:`csops_lib.schema`."""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from python_calamine import CalamineError, CalamineWorkbook

from csops_lib.loaders.errors import LoadError
from csops_lib.loaders.values import CONTROL_CHARS, strip_controls
from csops_lib.schema import TABLES, TableSpec, normalize_header

HEADER_SCAN_ROWS = 15
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


def _unreadable(path: Path, what: str, exc: BaseException) -> LoadError:
    """The one-line error for a file that cannot be read at all (corrupt, fake, not a file)."""
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return LoadError(f"{path.name}: cannot be read as {what} ({detail})")


def read_text(path: Path) -> tuple[str, str]:
    """The text of a CSV/TXT file and its encoding: UTF-8 (BOM or not), else GB18030 (⊃ GBK).
    Control characters (NUL …) are removed; carriage returns, which may end lines, are kept."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, "a file", exc) from None
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise LoadError(f"{path.name}: not UTF-8 nor GBK/GB18030 text ({exc})") from None
    return strip_controls(text, keep_cr=True), encoding


def _read_csv_grid(path: Path) -> tuple[pd.DataFrame, str]:
    """All cells of a CSV/TXT as text (:func:`read_text`; carriage returns are removed from
    each cell afterwards): Python's ``csv`` reader for the first rows, Arrow's CSV reader for
    the rest when it reads the same cells (:func:`_arrow_rows`), else ``csv`` for all."""
    text, encoding = read_text(path)
    head = text[:20000]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    try:
        grid = _fast_grid(text, delimiter)
        if grid is not None:
            return grid, encoding
        rows = list(csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _unreadable(path, "CSV text", exc) from None
    width = max(map(len, rows), default=0)
    if any(len(row) != width for row in rows):  # banner lines are shorter than the table
        rows = [row + [""] * (width - len(row)) for row in rows]
    return pd.DataFrame(rows, dtype=object), encoding


class _Lines:
    """The lines of a text, ends kept and split where ``StringIO(newline="")`` splits them
    (``\\n``, ``\\r\\n``, ``\\r``), counting the characters handed out, so that a
    ``csv.reader`` can stop at a known offset."""

    _LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

    def __init__(self, text: str):
        self._text = text
        self.offset = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._LINE.match(self._text, self.offset)
        if line is None:
            raise StopIteration
        self.offset = line.end()
        return line.group()


#: a quoted field that ends where a field ends (a delimiter, a line end or the end of text)
_QUOTED_FIELD = {d: re.compile(f'"(?:[^"]|"")*"(?![^{re.escape(d)}\r\n])') for d in ",\t"}


def _plain_quoting(text: str, delimiter: str) -> bool:
    """True when every ``"`` of ``text`` belongs to a well-formed quoted field (opened at a
    field's start, quotes inside doubled, closed at its end): there Python's ``csv`` and
    Arrow read the same cells (they differ on stray quotes, which ``csv`` keeps in odd ways).
    ``text`` starts at a row's start and has no NUL (control characters are removed)."""
    if '"' not in text:
        return True
    marked = _QUOTED_FIELD[delimiter].sub("\x00", text)
    if '"' in marked:
        return False
    at_start = sum(marked.count(c + "\x00") for c in (delimiter, "\n", "\r"))
    return at_start + marked.startswith("\x00") == marked.count("\x00")


def _fast_grid(text: str, delimiter: str) -> pd.DataFrame | None:
    """The grid :func:`_read_csv_grid` reads, with the rows after the first
    :data:`HEADER_SCAN_ROWS` (where banner lines may be shorter) read by Arrow's CSV reader
    (text columns): ``None`` (read it all with ``csv``) when those rows do not all have one
    width or a quote is not :func:`_plain_quoting`."""
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    head = list(itertools.islice(reader, HEADER_SCAN_ROWS))
    rest = text[lines.offset:]
    if not rest or not _plain_quoting(rest, delimiter):
        return None
    table = _arrow_rows(rest, delimiter)
    if table is None or _longest_cell(table) >= csv.field_size_limit():
        return None  # csv refuses a cell that long: let it say so
    width = max(table.num_columns, *map(len, head))
    body = table.to_pandas().set_axis(range(table.num_columns), axis=1)
    body = body.reindex(columns=range(width), fill_value="")
    head = [row + [""] * (width - len(row)) for row in head]
    top = pd.DataFrame(head, columns=range(width), dtype=object).astype(body.dtypes.to_dict())
    return pd.concat([top, body], ignore_index=True)


def _arrow_rows(text: str, delimiter: str) -> pa.Table | None:
    """Every cell of ``text`` as Arrow strings (``None`` when some row's width differs from
    the first row's, or Arrow cannot read it)."""
    uneven: list = []

    def on_uneven(row) -> str:
        uneven.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True,
                                            block_size=1 << 22),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=False,
                invalid_row_handler=on_uneven),
            convert_options=pa_csv.ConvertOptions(
                column_types=_ALL_TEXT, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except (pa.ArrowException, ValueError):
        return None
    if uneven or table.num_columns > len(_ALL_TEXT):
        return None
    return table


def _longest_cell(table: pa.Table) -> int:
    lengths = (pc.max(pc.utf8_length(col)).as_py() for col in table.columns)
    return max((n for n in lengths if n is not None), default=0)


#: Arrow's generated column names (f0, f1 …) read as text, never converted
_ALL_TEXT = {f"f{i}": pa.string() for i in range(4096)}


def _cell_text(value: object) -> str:
    """Text of one Excel cell as calamine returns it (numbers without a spurious ``.0``;
    control characters removed; empty → ``""``)."""
    if isinstance(value, str):
        return strip_controls(value)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    return str(value)


def _column_text(values: pd.Series) -> pd.Series:
    """:func:`_cell_text` of a column: text cells taken as they are and cleaned of control
    characters in one vectorised pass (the cells that have some), other cells one by one."""
    cells = pd.Series([v if type(v) is str else _cell_text(v) for v in values],
                      index=values.index, dtype=object if values.empty else None)
    control = cells.str.contains(CONTROL_CHARS, regex=True)
    if control.any():
        cells[control] = [strip_controls(v) for v in cells[control]]
    return cells


def _excel_grid(book: CalamineWorkbook, name: str, nrows: int | None = None,
                path: Path | None = None, sheets: dict | None = None) -> pd.DataFrame:
    """The cells of sheet ``name`` as text (the first ``nrows`` rows); ``sheets`` keeps the
    sheets read (calamine reads a whole sheet even for its first rows)."""
    try:
        sheet = (sheets or {}).get(name) or book.get_sheet_by_name(name)
        if sheets is not None:
            sheets[name] = sheet
        rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
    except (CalamineError, OSError, ValueError) as exc:
        raise _unreadable(path or Path(name), f"an Excel sheet ({name!r})", exc) from None
    return pd.DataFrame(rows, dtype=object).apply(_column_text)


def _drop_empty_columns(grid: pd.DataFrame) -> pd.DataFrame:
    """Drop columns without any non-blank cell; keep spreadsheet column numbers as labels."""
    grid = grid.set_axis(range(1, grid.shape[1] + 1), axis=1)

    def filled(col: pd.Series) -> bool:  # the first rows usually tell
        return any(part.astype(str).str.strip().ne("").any() for part in (col.iloc[:100], col))

    keep = grid.apply(filled)
    return grid.loc[:, keep] if len(keep) else grid


# --------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class Header:
    spec: TableSpec
    row: int  # 0-based position in the grid
    score: tuple[int, int]  # (canonical columns matched, required columns matched)


def _table_scores(cells: list[str]) -> dict[str, tuple[int, int]]:
    """Per table: (canonical columns matched, required columns matched) by these cells."""
    normalized = {normalize_header(c) for c in cells if str(c).strip()}
    scores = {}
    for name, spec in TABLES.items():
        matched = {spec.alias_lookup[n][0] for n in normalized if n in spec.alias_lookup}
        scores[name] = (len(matched), len(matched & set(spec.required)))
    return scores


def _find_header(grid: pd.DataFrame, table: str | None, where: str, needed: int) -> Header | None:
    """The best header row among the first rows of ``grid`` (``None`` if fewer than
    ``needed`` canonical columns match).

    With ``table`` given, the row matching most of its aliases; else the row and table with
    the most matches (ties between tables broken by required columns matched; a remaining
    tie raises :class:`LoadError` naming the candidates).
    """
    best: tuple[tuple[int, int], int, list[str]] | None = None
    for pos in range(min(HEADER_SCAN_ROWS, len(grid))):
        scores = _table_scores(grid.iloc[pos].tolist())
        if table is not None:
            scores = {table: scores[table]}
        top = max(scores.values())
        leaders = [name for name, score in scores.items() if score == top]
        if best is None or top > best[0]:
            best = (top, pos, leaders)
    if best is None:
        return None
    score, pos, leaders = best
    if score[0] < needed:
        return None
    if len(leaders) > 1:
        raise LoadError(
            f"{where}: headers on row {pos + 1} fit several tables equally well "
            f"({', '.join(leaders)}); pass table= one of them"
        )
    return Header(TABLES[leaders[0]], pos, score)


def _no_table_error(where: str, grids: list[pd.DataFrame], table: str | None) -> LoadError:
    """The error for a file where no header row was recognised, listing near candidates."""
    if table is not None:
        spec = TABLES[table]
        aliases = ", ".join(spec.column(spec.required[0]).headers)
        return LoadError(
            f"{where}: no header row for table '{table}' in the first {HEADER_SCAN_ROWS} rows "
            f"(looked for headers such as {aliases})"
        )
    totals: dict[str, int] = dict.fromkeys(TABLES, 0)
    for grid in grids:
        for pos in range(min(HEADER_SCAN_ROWS, len(grid))):
            for name, (score, _) in _table_scores(grid.iloc[pos].tolist()).items():
                totals[name] = max(totals[name], score)
    candidates = [f"{n} ({s} header{'s' if s != 1 else ''})" for n, s in
                  sorted(totals.items(), key=lambda kv: -kv[1]) if s]
    hint = f"closest: {', '.join(candidates)}; " if candidates else ""
    return LoadError(
        f"{where}: cannot tell which table this is from its headers; {hint}"
        f"pass table= one of: {', '.join(TABLES)}"
    )


def locate(
    path: Path, table: str | None, sheet: str | int | None
) -> tuple[pd.DataFrame, Header, str | None, str | None]:
    """Read the file and find (grid, header, sheet name, encoding)."""
    # A header needs two known columns; with the table given, one will do when no sheet has
    # two (the file then fails with MissingColumnError rather than "no header").
    thresholds = (2,) if table is None else (min(2, len(TABLES[table].required)), 1)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        grid, encoding = _read_csv_grid(path)
        grid = _drop_empty_columns(grid)
        if grid.empty:
            raise LoadError(f"{path.name}: the file is empty (no text in any cell)")
        for needed in thresholds:
            header = _find_header(grid, table, path.name, needed)
            if header is not None:
                return grid, header, None, encoding
        raise _no_table_error(path.name, [grid], table)
    if suffix not in EXCEL_SUFFIXES:
        raise LoadError(f"{path.name}: unsupported file type {suffix!r} (xlsx, xls, csv, txt)")
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise _unreadable(path, "an Excel workbook", exc) from None
    if sheet is None:
        names = book.sheet_names
    elif isinstance(sheet, int):
        if not -len(book.sheet_names) <= sheet < len(book.sheet_names):
            raise LoadError(f"{path.name}: no sheet number {sheet}; it has "
                            f"{len(book.sheet_names)} sheet(s)")
        names = [book.sheet_names[sheet]]
    elif sheet in book.sheet_names:
        names = [sheet]
    else:
        raise LoadError(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(book.sheet_names)}")
    sheets: dict = {}
    heads = {name: _drop_empty_columns(_excel_grid(book, name, HEADER_SCAN_ROWS, path, sheets))
             for name in names}
    if all(head.empty for head in heads.values()):
        where = f"{path.name}[{names[0]}]" if sheet is not None else path.name
        raise LoadError(f"{where}: empty (no text in the first {HEADER_SCAN_ROWS} rows of "
                        f"{'the sheet' if sheet is not None else 'any sheet'})")
    for needed in thresholds:
        found = [(header, name) for name, head in heads.items()
                 if (header := _find_header(head, table, f"{path.name}[{name}]", needed))]
        if found:  # the first sheet with a real header; on the fallback, the best match
            header, name = found[0] if needed > 1 else max(found, key=lambda f: f[0].score)
            grid = _excel_grid(book, name, path=path, sheets=sheets)
            return _drop_empty_columns(grid), header, name, None
    raise _no_table_error(path.name, list(heads.values()), table)


def map_columns(header_cells: pd.Series, spec: TableSpec) -> tuple[dict[int, str], dict[str, str]]:
    """Grid column → output name, and original header → canonical column.

    Each canonical column takes the header matching its best-ranked alias (first wins on a
    tie); other headers keep their original text (made unique), blank ones ``column_<n>``.
    """
    chosen: dict[str, tuple[int, int]] = {}
    for col, cell in header_cells.items():
        hit = spec.alias_lookup.get(normalize_header(cell))
        if hit and (hit[0] not in chosen or hit[1] < chosen[hit[0]][1]):
            chosen[hit[0]] = (col, hit[1])
    names = {col: canonical for canonical, (col, _) in chosen.items()}
    column_map = {str(strip_controls(header_cells[col])).strip(): canonical
                  for col, canonical in names.items()}
    taken = set(spec.names)
    for col, cell in header_cells.items():
        if col in names:
            continue
        base = str(strip_controls(cell)).strip() or f"column_{col}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        names[col] = name
    return names, column_map


"""The `csops` command: validate, ingest, demo, report (and the metric commands)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _cmd_validate(args) -> int:
    from csops_lib.io import LoadError, load

    status = 0
    for path in args.files:
        try:
            _, report = load(path, args.table, sheet=args.sheet, report_date=args.date)
        except (LoadError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        print(report.summary())
        if args.quarantine_out and report.rows_quarantined:
            report.quarantine.to_csv(args.quarantine_out, index=False, encoding="utf-8-sig")
            print(f"quarantined rows written to {args.quarantine_out}")
    return status


def _cmd_ingest(args) -> int:
    from csops_lib import store
    from csops_lib.io import LoadError

    try:
        result = store.ingest(args.files, args.store, args.table, progress=True)
    except (LoadError, FileNotFoundError) as exc:
        print(f"error: {exc}\nnothing was written to the store", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _cmd_demo(args) -> int:
    from csops_lib.demo_store import build_demo_store

    started = time.monotonic()
    build_demo_store(args.out, weeks=args.weeks, seed=args.seed, end=args.end, progress=True)
    print(f"demo shop ready in {time.monotonic() - started:.1f} s: exports in "
          f"{Path(args.out) / 'exports'}, store in {Path(args.out) / 'store'}")
    return 0


def _cmd_report(args) -> int:
    from csops_lib import report
    from csops_lib.params import parse_overrides

    overrides = parse_overrides(args.param or [])
    for name in ("week", "month", "date", "lang"):
        value = getattr(args, name, None)
        if value:
            overrides[name] = value
    try:
        html = report.run(args.report, overrides, data_dir=args.data_dir, progress=True)
    except report.ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(html)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csops",
        description="Customer-service operations kit: load exports, keep a history store, "
                    "compute metrics, make reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="load export files and print their load report",
                       description="Load each FILE as the canonical table and print the load "
                                   "report: rows read = loaded + quarantined, with the file, row, "
                                   "column and reason of every quarantined row.")
    p.add_argument("files", nargs="+", metavar="FILE", help="xlsx or csv export(s)")
    p.add_argument("--table", help="table name (guessed from the headers when omitted)")
    p.add_argument("--sheet", help="sheet name (default: the first sheet with a known header)")
    p.add_argument("--date", help="report date for files that carry it only in their name")
    p.add_argument("--quarantine-out", metavar="CSV", help="write the quarantined rows here")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("ingest", help="append exports into the Parquet history store",
                       description="Load each FILE and merge it into the store by table and "
                                   "day, deduplicated on each table's natural key: importing the "
                                   "same export twice changes nothing.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--store", default="data/store", help="store folder (default: data/store)")
    p.add_argument("--table", help="table name (guessed from the headers when omitted)")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("demo", help="write the seeded demo shop's exports and ingest them",
                       description="Generate a realistic seeded shop ending yesterday, write "
                                   "its exports (xlsx, Chinese headers, real-world messiness) to "
                                   "OUT/exports and ingest them into OUT/store.")
    p.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    p.add_argument("--weeks", type=int, default=8, help="weeks of history (default: 8)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--end", help="last day YYYY-MM-DD (default: yesterday)")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("report", help="run a report notebook to HTML",
                       description="Execute a report notebook with papermill and convert it to "
                                   "HTML (code hidden) under outputs/<report>/<period>/.")
    p.add_argument("report", choices=["weekly"], help="which report")
    p.add_argument("--week", help="ISO week such as 2026-W47 (default: last complete week)")
    p.add_argument("--lang", choices=["zh", "en"], help="label language (default: zh)")
    p.add_argument("--data-dir", help="store folder (default: configured, else the demo)")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="override a notebook parameter (repeatable)")
    p.set_defaults(func=_cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

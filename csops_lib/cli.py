"""The `csops` command: validate, ingest, demo, report, kpis, funnel."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _cmd_validate(args) -> int:
    import pandas as pd

    from csops_lib.loaders import LoadError, load
    from csops_lib.render.tables_out import write_csv

    failed: list[str] = []
    quarantined = []
    for path in args.files:
        try:
            _, report = load(path, args.table, sheet=args.sheet, report_date=args.date)
        except (LoadError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed.append(Path(path).name)
            continue
        print(report.summary())
        if report.rows_quarantined:
            quarantined.append(report.quarantine)
    if args.quarantine_out and quarantined:
        try:
            write_csv(pd.concat(quarantined, ignore_index=True), args.quarantine_out)
        except OSError as exc:
            print(f"error: --quarantine-out {args.quarantine_out}: {exc}", file=sys.stderr)
            return 1
        print(f"quarantined rows written to {args.quarantine_out}")
    if failed:
        print(f"csops validate: {len(failed)} of {len(args.files)} file(s) could not be loaded: "
              f"{', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_ingest(args) -> int:
    from csops_lib import store
    from csops_lib.loaders import LoadError

    try:
        result = store.ingest(args.files, args.store, args.table, progress=True)
    except (LoadError, FileNotFoundError) as exc:
        print(f"error: {exc}\nnothing was written to the store", file=sys.stderr)
        return 1
    except store.StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _cmd_history(args) -> int:
    from csops_lib import store

    try:
        if args.restore is not None:
            record = store.restore(args.store, args.restore)
            print(f"store restored to entry #{args.restore} (recorded as entry #{record['n']})")
        print(store.history_text(args.store, files=args.files))
    except store.StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_migrate(args) -> int:
    from csops_lib import store

    try:
        for line in store.migrate(args.store):
            print(line)
    except store.StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_demo(args) -> int:
    from csops_lib.demo.build import build_demo_store

    started = time.monotonic()
    build_demo_store(args.out, weeks=args.weeks, seed=args.seed, end=args.end, progress=True)
    print(f"demo shop ready in {time.monotonic() - started:.1f} s: exports in "
          f"{Path(args.out) / 'exports'}, store in {Path(args.out) / 'store'}")
    return 0


def _cmd_report(args) -> int:
    from csops_lib import runner
    from csops_lib.settings.shop import ParamError, parse_overrides

    try:
        overrides = parse_overrides(args.param or [])
        # a text parameter keeps the text as typed (`agent=007` is not the number 7)
        texts = runner.text_parameters(args.report) & set(overrides)
        raw = {k.strip(): v for k, _, v in (str(i).partition("=") for i in args.param or [])}
        overrides.update({k: raw[k] for k in texts if k in raw})
        for name in ("week", "month", "date", "lang", "agent", "promo"):
            value = getattr(args, name, None)
            if value:
                overrides[name] = value
        if args.timeout is not None and args.timeout <= 0:
            raise runner.ReportError(f"--timeout: expected seconds > 0, got {args.timeout}")
        html = runner.run(args.report, overrides, data_dir=args.data_dir, progress=True,
                          timeout=args.timeout)
    except (runner.ReportError, ParamError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(html)
    return 0


def _cmd_kpis(args) -> int:
    from csops_lib.loaders import LoadError
    from csops_lib.render import tables_out
    from csops_lib.reports import kpis as kx
    from csops_lib.settings.shop import ParamError, load_shop_params, parse_overrides

    started = time.monotonic()
    try:
        params = load_shop_params(**parse_overrides(args.param or []))
        by = kx.parse_by(args.by)
        kx.parse_period(args.date_from, args.date_to)
        tables_out.check_out_path(args.out)
    except (ParamError, kx.ExportError) as exc:
        print(f"csops kpis: error: {exc}", file=sys.stderr)
        return 2
    try:
        run = kx.run_kpis(store_dir=args.store, chats=args.chats, orders=args.orders,
                          refunds=args.refunds, traffic=args.traffic, date_from=args.date_from,
                          date_to=args.date_to, by=by, params=params,
                          engine=args.engine, scheduler=args.scheduler)
        for rep in run.reports:
            if rep.rows_quarantined or rep.warnings:
                print(rep.summary(max_rows=3), file=sys.stderr)
        tables_out.write_table(run.table, args.out)
    except (LoadError, OSError, kx.ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    table = run.table
    where = f" → {args.out}" if args.out else ""
    print(f"kpis by {by}: {len(table)} rows, {kx.period_text(table)}, "
          f"{time.monotonic() - started:.1f} s{where}", file=sys.stderr)
    return 0


def _cmd_funnel(args) -> int:
    from csops_lib.loaders import LoadError
    from csops_lib.render import tables_out
    from csops_lib.reports import kpis as kx

    started = time.monotonic()
    try:
        tables_out.check_out_path(args.out)
        result = kx.tally_funnel_files(args.files)
        tables_out.write_table(result.table, args.out)
        if args.quarantine_out:
            tables_out.write_csv(result.quarantine, args.quarantine_out)
    except (LoadError, OSError, kx.ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in result.quarantine_lines():
        print(line, file=sys.stderr)
    if args.quarantine_out:
        print(f"quarantined rows written to {args.quarantine_out}", file=sys.stderr)
    where = f" → {args.out}" if args.out else ""
    print(f"funnel: {result.accounting()}, {kx.period_text(result.table)}, "
          f"{time.monotonic() - started:.1f} s{where}", file=sys.stderr)
    return 0


def _cmd_callbacks(args) -> int:
    from csops_lib.demo.build import ensure_demo_store
    from csops_lib.render.call_sheet import call_sheet_path, write_call_sheet
    from csops_lib.reports.callbacks import plan_callbacks

    folder = Path(args.data_dir) if args.data_dir else ensure_demo_store()
    try:
        day, plan = plan_callbacks(folder, args.date, lag_days=args.lag_days,
                                   calls_per_agent=args.calls_per_agent)
        path = write_call_sheet(plan, call_sheet_path(day, args.lang), lang=args.lang)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    per_agent = plan.groupby("agent").size()
    print(f"{len(plan)} calls for {len(per_agent)} agents "
          f"({', '.join(f'{a} {n}' for a, n in per_agent.items())})", file=sys.stderr)
    print(path)
    return 0


def _cmd_leaderboard(args) -> int:
    from csops_lib.loaders.core import LoadError
    from csops_lib.render import leaderboard
    from csops_lib.settings.shop import ParamError, load_shop_params, parse_overrides

    if bool(args.store) == bool(args.files):
        print("error: give either export FILEs or --store DIR", file=sys.stderr)
        return 2
    try:
        params = load_shop_params(**parse_overrides(args.param or []))
        text = leaderboard.run(since=args.since, until=args.until, files=args.files or None,
                               store_dir=args.store, by=args.by, top=args.top,
                               lang=args.lang, params=params)
    except (LoadError, FileNotFoundError, ParamError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(text)
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

    p = sub.add_parser("ingest", help="upsert exports into the history store (one atomic change)",
                       description="Load each FILE and upsert its rows into the store on each "
                                   "table's natural key, as one atomic, recorded change: a value "
                                   "missing in a newer export never erases a known one; importing "
                                   "the same export twice changes nothing; `csops history` lists "
                                   "the ingests.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--store", default="data/store", help="store folder (default: data/store)")
    p.add_argument("--table", help="table name (guessed from the headers when omitted)")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("history", help="list the changes of the history store; restore one",
                       description="List every recorded change of the store, oldest first: "
                                   "when, who, the files (with the start of their sha256), rows "
                                   "new / updated / unchanged / quarantined per table, and the "
                                   "Delta version of each table. --restore N puts the store back "
                                   "to how it was right after entry N (recorded as a new entry; "
                                   "nothing is deleted, so it can be undone the same way).")
    p.add_argument("--store", default="data/store", help="store folder (default: data/store)")
    p.add_argument("--restore", type=int, metavar="N", help="restore the store to entry N")
    p.add_argument("--files", action="store_true",
                   help="list every ingested file with its full sha256 and row counts")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("migrate", help="convert a store of the old layout (date=…/part.parquet)",
                       description="Convert a history store written by csops before the Delta "
                                   "Lake store (<table>/date=YYYY-MM-DD/part.parquet, "
                                   "_ingest_log.jsonl) into Delta tables, every row kept; the old "
                                   "log is kept in the first history entry. `csops ingest` does "
                                   "the same on its first run into such a store.")
    p.add_argument("--store", default="data/store", help="store folder (default: data/store)")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("demo", help="write the seeded demo shop's exports and ingest them",
                       description="Generate a realistic seeded shop ending yesterday, write "
                                   "its exports (xlsx, Chinese headers, real-world messiness) to "
                                   "OUT/exports and ingest them into OUT/store.")
    p.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    p.add_argument("--weeks", type=int, default=8, help="weeks of history (default: 8)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--end", help="last day YYYY-MM-DD (default: yesterday)")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("callbacks", help="the day's callback (回访) call sheet, Excel",
                       description="Plan the day's callbacks: the deals of DATE − lag_days, "
                                   "split evenly and deterministically over the agents on duty, "
                                   "calls_per_agent each, customers already called left out; "
                                   "written as an Excel call sheet (one sheet per agent, phone "
                                   "numbers, a result drop-down). Ingest the filled sheet with "
                                   "`csops ingest` to see the results in the reports.")
    p.add_argument("--date", help="call day YYYY-MM-DD (default: today)")
    p.add_argument("--lag-days", type=int, help="deals of this many days before (default 4)")
    p.add_argument("--calls-per-agent", type=int, help="calls per agent (default 3)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="sheet language")
    p.add_argument("--data-dir", help="store folder (default: configured, else the demo)")
    p.set_defaults(func=_cmd_callbacks)

    p = sub.add_parser("leaderboard", help="promo standings so far: team PK and top agents",
                       description="Credit the orders paid since --since to agents (the "
                                   "attribution rule of METRICS.md §4) and print the team PK "
                                   "(on target attainment when the promos table has team "
                                   "targets) and the top agents, from the latest export FILES "
                                   "(chats, orders, and optionally roster and promos) or from "
                                   "the store (only the partitions needed).")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="latest exports: chat log(s), order export(s), roster, promos")
    p.add_argument("--store", metavar="DIR", help="read the history store instead of FILEs")
    p.add_argument("--since", required=True, metavar="'YYYY-MM-DD HH:MM'",
                   help="count orders paid from this time (e.g. the promo's start)")
    p.add_argument("--until", metavar="'YYYY-MM-DD HH:MM'",
                   help="count orders paid up to this time (default: everything so far)")
    p.add_argument("--by", choices=["sales", "orders"], default="sales",
                   help="PK and ranking on sales (default) or orders")
    p.add_argument("--top", type=int, default=5, help="how many agents to list (default: 5)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="label language")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="override a shop parameter of params/shop.yaml (repeatable)")
    p.set_defaults(func=_cmd_leaderboard)

    p = sub.add_parser("report", help="run a report notebook to HTML",
                       description="Execute a report notebook with papermill and convert it to "
                                   "HTML (code hidden) under outputs/<report>/<period>/.")
    p.add_argument("report", choices=["weekly", "daily", "agent", "promo", "what_if"],
                   help="which report")
    p.add_argument("--week", help="ISO week such as 2026-W47 (default: last complete week)")
    p.add_argument("--month", help="month such as 2026-10 (weekly: gives the monthly report)")
    p.add_argument("--date", help="day YYYY-MM-DD for the daily report (default: yesterday)")
    p.add_argument("--agent", help="agent name for the agent profile")
    p.add_argument("--promo", help="promo name for the promo retrospective")
    p.add_argument("--lang", help="label language: zh (default) or en")
    p.add_argument("--data-dir", help="store folder (default: configured, else the demo)")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="override a notebook parameter (repeatable); xlsx_path must lie "
                        "inside outputs/")
    p.add_argument("--timeout", type=int, metavar="SECONDS",
                   help="stop the report when one notebook cell runs longer (default: 600, "
                        "or CSOPS_CELL_TIMEOUT_S)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("kpis", help="per-agent (or per-store) daily KPI table",
                       description="One row per date and agent (sessions, reply rate, response "
                                   "times, slow/long sessions, concurrency, inquiries and their "
                                   "conversion, credited orders, sales, buyers, AOV; METRICS.md "
                                   "§2-§4), from export files or the history store. With --by "
                                   "store,date: one row per date and store with UV and the "
                                   "store-level conversions. Times in seconds (0.1), rates as "
                                   "fractions (4 decimals), money to 0.01.")
    src = p.add_argument_group("input (export files, or --store)")
    src.add_argument("--chats", nargs="+", metavar="FILE", help="chat log export(s)")
    src.add_argument("--orders", nargs="+", metavar="FILE", help="order export(s)")
    src.add_argument("--refunds", nargs="+", metavar="FILE", help="refund export(s) (optional)")
    src.add_argument("--traffic", nargs="+", metavar="FILE",
                     help="traffic export(s) (optional; UV for --by store,date)")
    src.add_argument("--store", metavar="DIR",
                     help="read the history store instead (only the partitions needed)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                   help="first day of the rows (default: all; the store's first chat day)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                   help="last day of the rows (default: all; the store's last chat day)")
    p.add_argument("--by", default="date,agent", metavar="KEYS",
                   help="date,agent (default) or store,date")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="override a shop parameter of params/shop.yaml (repeatable)")
    p.add_argument("--out", metavar="FILE",
                   help=".csv (UTF-8 with BOM), .xlsx or .parquet; default: CSV on stdout")
    p.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="pandas (default: everything in memory) or dask (with --store: the "
                        "same computation per batch of days in parallel, for histories "
                        "larger than memory; same table)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: a Dask scheduler address (tcp://host:8786; "
                        "the workers must see the store at the same path); default: a local "
                        "cluster, one worker per core")
    p.set_defaults(func=_cmd_kpis, parser=p)

    p = sub.add_parser("funnel", help="the daily conversion funnel from the supervisor's tally",
                       description="Load tally file(s) (table agent_daily: 总接待人数, 静默下单, "
                                   "售后咨询, 追单人数 ...) and add inquiries, "
                                   "followup_converted, inquiry_converted, total_converted and "
                                   "consult_conversion (METRICS.md §1). Inconsistent rows (a "
                                   "negative derived count) are quarantined with the reason "
                                   "and reported on stderr: rows in = rows out + quarantined.")
    p.add_argument("files", nargs="+", metavar="TALLY_FILE", help="xlsx or csv tally file(s)")
    p.add_argument("--out", metavar="FILE",
                   help=".csv (UTF-8 with BOM), .xlsx or .parquet; default: CSV on stdout")
    p.add_argument("--quarantine-out", metavar="CSV", help="write the quarantined rows here")
    p.set_defaults(func=_cmd_funnel)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "kpis":
        if args.store and (args.chats or args.orders or args.refunds or args.traffic):
            args.parser.error("give either --store or export files (--chats/--orders ...)")
        if not args.store and not (args.chats and args.orders):
            args.parser.error("--chats and --orders are required (or --store DIR)")
        if args.engine == "dask" and not args.store:
            args.parser.error("--engine dask needs --store DIR")
        if args.scheduler and args.engine != "dask":
            args.parser.error("--scheduler needs --engine dask")
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

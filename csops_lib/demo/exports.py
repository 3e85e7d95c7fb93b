"""The raw exports: the canonical tables written the way the platform and the supervisor
export them (Chinese headers, banner rows, totals rows, text amounts and dates, messy IDs)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from csops_lib.demo.catalog import DEMO_STORES

# --- Chinese export vocabularies and headers ----------------------------------------------
_STATUS_ZH = {"paid": "交易成功", "unpaid": "等待买家付款", "closed": "交易关闭", "refunded": "已退款"}
_SENDER_ZH = {"customer": "买家", "agent": "客服", "auto": "自动回复"}
_CATEGORY_ZH = {"presale": "售前", "after_sales": "售后", "ad": "广告", "silent_check": "静默下单",
                "followup": "追单", "other": "其他"}

_ORDERS_ZH = {
    "order_id": "订单编号", "customer_id": "买家会员名", "store": "店铺名称", "agent": "对应负责人",
    "product": "宝贝标题", "quantity": "宝贝总数量", "amount": "买家实际支付金额",
    "order_total": "总金额 ", "refund_amount": "退款金额", "status": "订单状态",
    "created_at": "订单创建时间", "paid_at": "订单付款时间 ", "customer_name": "收货人姓名",
    "phone": "联系手机", "address": "收货地址",
}
_CHATS_ZH = {
    "sent_at": "消息时间", "agent": "客服", "customer_id": "买家", "sender": "发送方角色",
    "session_id": "会话ID", "store": "店铺", "category": "类型", "agreed_to_buy": "约定下单",
    "text": "内容",
}
_AGENT_DAILY_ZH = {
    "date": "日期", "agent": "负责人", "total_received": "总接待人数", "silent_checks": "静默下单",
    "after_sales": "售后咨询", "ad_contacts": "广告接待", "brushing_contacts": "刷单接待",
    "followups": "追单人数", "account_switch": "换号拍", "followup_failed": "追单未成交人数",
    "inquiry_failed": "询单未成交人数",
}
_AGENT_STATS_ZH = {
    "agent": "客服", "served": "接待人数", "consulted": "咨询人数", "inquiries": "询单人数",
    "inquiry_paid": "询单->最终付款人数", "inquiry_conversion": "询单->最终付款成功率",
    "next_day_paid": "询单->次日付款人数", "sales": "销售额", "aov": "客单价",
    "items_per_buyer": "客件数", "reply_rate": "客服回复率 ", "avg_response_s": "平均响应时间",
    "first_response_s": "首次响应时间", "slow_responses": "慢响应人数",
    "answer_question_ratio": "客服答问比",
}
_REFUNDS_ZH = {
    "refund_id": "退款编号", "order_id": "订单编号", "agent": "客服", "amount": "买家退款金额",
    "reason": "买家退款原因", "status": "退款状态", "applied_at": "退款的申请时间",
    "closed_at": "退款完结时间", "platform_intervened": "客服介入状态",
    "responsible_party": "责任方", "phase": "售中或售后", "type": "售后类型",
}
_TRAFFIC_ZH = {
    "date": "日期", "store": "店铺名称", "province": "省份", "uv": "访客数", "pv": "浏览量",
    "bounce_rate": "跳失率", "avg_stay_s": "平均停留时长", "paying_buyers": "支付买家数",
    "pay_conversion": "支付转化率",
}
_CALLBACKS_ZH = {"date": "回访日期", "agent": "客服", "order_id": "订单编号", "customer_id": "买家",
                 "result": "回访结果", "notes": "备注"}
_REMINDERS_ZH = {"sent_at": "催付时间", "agent": "客服", "order_id": "订单编号", "customer_id": "买家"}
_DSR_ZH = {"date": "日期", "store": "店铺", "description": "描述相符", "service": "服务态度",
           "logistics": "物流服务"}
_TRAINING_ZH = {"agent": "客服", "date": "考核日期", "module": "考核模块", "score": "成绩"}
_ROSTER_ZH = {"agent": "客服", "team": "组别", "role": "岗位", "shift_start": "上班时间",
              "shift_end": "下班时间", "hired_on": "入职日期", "shunt_weight": "分流权重"}
_ROLE_ZH = {"presale": "售前", "after_sales": "售后", "both": "售前+售后"}
_PROMOS_ZH = {"name": "活动名称", "display_name": "活动显示名", "start": "开始时间", "end": "结束时间",
              "team": "组别", "agent": "客服", "target_orders": "目标单量", "target_sales": "目标销售额"}

#: chats as xlsx (True) or as CSV (False: UTF-8 with BOM, the second week GBK); openpyxl
#: needs ~40 s for 8 weeks of messages, CSV ~2 s
CHATS_AS_XLSX = False


def _cells(s: pd.Series) -> list:
    """Python values for a writer: NaN/NaT/NA → None, numpy scalars → Python scalars."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        arr = s.dt.to_pydatetime() if hasattr(s.dt, "to_pydatetime") else s.tolist()
        arr = np.asarray(arr, dtype=object)
        return np.where(s.isna().to_numpy(), None, arr).tolist()
    return s.astype(object).where(s.notna(), None).tolist()


def _week_labels(d: pd.Series) -> pd.Series:
    iso = d.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(int).astype(str).str.zfill(2)


def _rows_from(df: pd.DataFrame, header: dict[str, str]) -> tuple[list[str], dict[str, list]]:
    cols = {c: _cells(df[c]) for c in header if c in df.columns}
    return [header[c] for c in cols], cols


def _write_xlsx(path: Path, header: list[str], columns: list[list], *, banner=(), footer=(),
                sheet: str = "Sheet1") -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)

    def text_cell(v):  # `="…"` is text in the export, not a formula
        cell = WriteOnlyCell(ws, v)
        cell.data_type = "s"
        return cell

    for line in banner:
        ws.append([line] if line else [])
    ws.append(header)
    for row in zip(*columns, strict=True):
        if any(isinstance(v, str) and v.startswith("=") for v in row):
            row = [text_cell(v) if isinstance(v, str) and v.startswith("=") else v for v in row]
        ws.append(row)
    for row in footer:
        ws.append(row)
    wb.save(path)
    return path


def _yuan(v) -> str:
    return f"¥{v:,.2f}"


def _mess_ids(values: list, rng: np.random.Generator, p_quote=0.04, p_formula=0.03) -> list:
    u = rng.random(len(values))
    return [v if v is None else ("'" + v if x < p_quote else
                                 (f'="{v}"' if x < p_quote + p_formula else v))
            for v, x in zip(values, u, strict=True)]


def _pct(v) -> str | None:
    return None if v is None else f"{v * 100:.2f}%"


def _mmss(v) -> str | None:
    if v is None:
        return None
    m, s = divmod(int(round(v)), 60)
    return f"{m}分{s}秒" if m else f"{s}秒"


def write_exports(tables: dict[str, pd.DataFrame], out_dir, seed: int = 1) -> list[Path]:
    """Write ``tables`` (from :func:`generate`) as the raw exports a real shop would have.

    xlsx files with Chinese headers, one per table per ISO week (``orders_2026-W45.xlsx``),
    one per day for the agent performance export (``客服绩效_YYYY-MM-DD.xlsx``, the date only
    in the name) and single files for callbacks, reminders, dsr, roster, promos and training.
    Messiness that loaders must absorb (and that keeps every row loadable): banner rows above
    some headers, trailing spaces in some headers, amounts as ``¥1,234.00`` text, IDs with a
    leading ``'`` or as ``="…"``, text dates in one week, ``合计`` / ``汇总`` rows, durations
    as ``1分20秒``, rates as ``45.23%``, ``店铺:昵称`` agent labels, ``延迟统计`` placeholders.
    Returns the written paths.
    """
    rng = np.random.default_rng(seed + 7919)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    files += _export_orders(tables["orders"], out, rng)
    files += _export_chats(tables["chats"], out, rng)
    files += _export_agent_daily(tables["agent_daily"], out, rng)
    files += _export_agent_stats(tables["agent_stats"], out, rng)
    files += _export_refunds(tables["refunds"], out, rng)
    files += _export_traffic(tables["traffic"], out)
    files += _export_simple(tables, out)
    return files


def _period_text(d: pd.Series) -> str:
    return f"{d.min():%Y-%m-%d} 至 {d.max():%Y-%m-%d}"


def _export_orders(o: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(o["created_at"])
    for i, (label, part) in enumerate(o.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _ORDERS_ZH)
        cols["status"] = [_STATUS_ZH.get(v, v) for v in cols["status"]]
        cols["order_id"] = _mess_ids(cols["order_id"], rng)
        cols["phone"] = _mess_ids(cols["phone"], rng, 0.03, 0.0)
        money = rng.random(len(part)) < 0.06
        for c in ("amount", "order_total"):
            cols[c] = [_yuan(v) if m and v is not None else v for v, m in zip(cols[c], money, strict=True)]
        if i == 1:  # one week exported with text timestamps
            for c in ("created_at", "paid_at"):
                cols[c] = [None if v is None else f"{v:%Y/%m/%d %H:%M:%S}" for v in cols[c]]
        total = ["合计"] + [None] * (len(header) - 1)
        names = list(cols)
        for c in ("amount", "order_total", "refund_amount"):
            total[names.index(c)] = round(float(part[c].sum()), 2)
        total[names.index("quantity")] = int(part["quantity"].sum())
        d = part["created_at"].dt.normalize()
        banner = (f"店铺订单报表 {_period_text(d)}", None) if i % 2 == 0 else ()
        files.append(_write_xlsx(out / f"orders_{label}.xlsx", header, list(cols.values()),
                                 banner=banner, footer=[total], sheet="订单报表"))
    return files


def _export_chats(c: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(c["sent_at"])
    for i, (label, part) in enumerate(c.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _CHATS_ZH)
        cols["sender"] = pd.Series(cols["sender"]).map(_SENDER_ZH).tolist()
        cols["category"] = pd.Series(cols["category"]).map(_CATEGORY_ZH).tolist()
        cols["agreed_to_buy"] = ["是" if v else "否" for v in cols["agreed_to_buy"]]
        if CHATS_AS_XLSX:
            files.append(_write_xlsx(out / f"chats_{label}.xlsx", header, list(cols.values()),
                                     sheet="聊天记录"))
        else:
            df = pd.DataFrame(dict(zip(header, cols.values(), strict=True)))
            df[header[0]] = part["sent_at"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
            enc = "gbk" if i == 1 else "utf-8-sig"
            path = out / f"chats_{label}.csv"
            df.to_csv(path, index=False, encoding=enc)
            files.append(path)
    return files


def _export_agent_daily(a: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(a["date"])
    for i, (label, part) in enumerate(a.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _AGENT_DAILY_ZH)
        if i == 2:  # typed by hand as text in one week
            cols["date"] = [f"{v.year}/{v.month}/{v.day}" for v in cols["date"]]
        else:
            cols["date"] = [v.date() for v in cols["date"]]
        total = ["合计", None] + [int(part[c].sum()) for c in list(cols)[2:]]
        files.append(_write_xlsx(out / f"agent_daily_{label}.xlsx", header, list(cols.values()),
                                 footer=[total], sheet="每日接待登记"))
    return files


def _export_agent_stats(s: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    for i, (day, part) in enumerate(s.groupby("date", sort=True)):
        header, cols = _rows_from(part, _AGENT_STATS_ZH)
        if i % 3 == 0:
            cols["agent"] = [f"{DEMO_STORES[0]}:{v}" for v in cols["agent"]]
        for c in ("inquiry_conversion", "reply_rate"):
            if i % 4 != 3:  # most files: percentages as text
                cols[c] = [_pct(v) for v in cols[c]]
        if i % 2 == 0:
            for c in ("avg_response_s", "first_response_s"):
                cols[c] = [_mmss(v) for v in cols[c]]
        cols["next_day_paid"] = ["延迟统计" if v is None else v for v in cols["next_day_paid"]]
        for c in ("aov", "inquiry_conversion", "items_per_buyer", "avg_response_s",
                  "first_response_s", "answer_question_ratio"):
            cols[c] = ["-" if v is None else v for v in cols[c]]
        # 汇总 row
        served = int(part["served"].sum())
        inq = int(part["inquiries"].sum())
        paid = int(part["inquiry_paid"].sum())
        summary = {
            "agent": "汇总", "served": served, "consulted": int(part["consulted"].sum()),
            "inquiries": inq, "inquiry_paid": paid,
            "inquiry_conversion": round(paid / inq, 4) if inq else None,
            "next_day_paid": "延迟统计" if part["next_day_paid"].isna().any()
            else int(part["next_day_paid"].sum()),
            "sales": round(float(part["sales"].sum()), 2),
            "aov": round(float(part["aov"].mean()), 2),
            "items_per_buyer": round(float(part["items_per_buyer"].mean()), 2),
            "reply_rate": round(float((part["reply_rate"] * part["served"]).sum() / served), 4),
            "avg_response_s": round(float(part["avg_response_s"].mean()), 1),
            "first_response_s": round(float(part["first_response_s"].mean()), 1),
            "slow_responses": int(part["slow_responses"].sum()),
            "answer_question_ratio": round(float(part["answer_question_ratio"].mean()), 2),
        }
        if i % 4 != 3:
            summary["inquiry_conversion"] = _pct(summary["inquiry_conversion"])
            summary["reply_rate"] = _pct(summary["reply_rate"])
        if i % 2 == 0:
            summary["avg_response_s"] = _mmss(summary["avg_response_s"])
            summary["first_response_s"] = _mmss(summary["first_response_s"])
        footer = [[summary[c] for c in cols]]
        files.append(_write_xlsx(out / f"客服绩效_{day:%Y-%m-%d}.xlsx", header, list(cols.values()),
                                 footer=footer, sheet="客服绩效"))
    return files


def _export_refunds(r: pd.DataFrame, out: Path, rng) -> list[Path]:
    files = []
    weeks = _week_labels(r["applied_at"])
    for i, (label, part) in enumerate(r.groupby(weeks, sort=True)):
        header, cols = _rows_from(part, _REFUNDS_ZH)
        cols["order_id"] = _mess_ids(cols["order_id"], rng, 0.05, 0.02)
        cols["refund_id"] = _mess_ids(cols["refund_id"], rng, 0.03, 0.0)
        yuan = rng.random(len(part)) < 0.05
        cols["amount"] = [f"{v:.2f}元" if m else v for v, m in zip(cols["amount"], yuan, strict=True)]
        cols["platform_intervened"] = ["客服已经介入" if v else "未介入"
                                       for v in cols["platform_intervened"]]
        banner = (f"退款管理 导出时间 {part['applied_at'].max():%Y-%m-%d}", None) if i % 3 == 1 else ()
        files.append(_write_xlsx(out / f"refunds_{label}.xlsx", header, list(cols.values()),
                                 banner=banner, sheet="退款"))
    return files


def _export_traffic(t: pd.DataFrame, out: Path) -> list[Path]:
    files = []
    weeks = _week_labels(t["date"])
    for label, part in t.groupby(weeks, sort=True):
        header, cols = _rows_from(part, _TRAFFIC_ZH)
        cols["date"] = [v.date() for v in cols["date"]]
        for c in ("bounce_rate", "pay_conversion"):
            cols[c] = [_pct(v) for v in cols[c]]
        banner = ("生意参谋 | 流量看板", f"统计时间：{_period_text(part['date'])}", None)
        files.append(_write_xlsx(out / f"traffic_{label}.xlsx", header, list(cols.values()),
                                 banner=banner, sheet="流量概况"))
    return files


def _export_simple(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    files = []
    for name, zh, fname, sheet in (
        ("callbacks", _CALLBACKS_ZH, "回访记录.xlsx", "回访"),
        ("reminders", _REMINDERS_ZH, "催付记录.xlsx", "催付"),
        ("dsr", _DSR_ZH, "店铺DSR.xlsx", "DSR"),
        ("training", _TRAINING_ZH, "新人考核.xlsx", "考核"),
        ("roster", _ROSTER_ZH, "roster.xlsx", "客服名单"),
        ("promos", _PROMOS_ZH, "promos.xlsx", "活动目标"),
    ):
        df = tables[name]
        header, cols = _rows_from(df, zh)
        for c in ("date", "hired_on"):
            if c in cols:
                cols[c] = [None if v is None else v.date() for v in cols[c]]
        if name == "roster":
            cols["role"] = [_ROLE_ZH.get(v, v) for v in cols["role"]]
        files.append(_write_xlsx(out / fname, header, list(cols.values()), sheet=sheet))
    return files


# =========================================================================================
# the supervisor's monthly scores (主管评分): a sheet the supervisor keeps, ingested like the
# exports (table supervisor_scores) and read by the scorecard from the store; the scores are
# drawn by `tables.supervisor_scores`
SUPERVISOR_SCORES_FILE = Path("主管评分.xlsx")
_SUPERVISOR_ZH = {"month": "月份", "agent": "客服", "teamwork": "团队协作", "attitude": "服务态度",
                  "discipline": "工作纪律", "satisfaction": "客户满意度", "notes": "备注"}


def write_supervisor_scores(scores: pd.DataFrame, out_dir) -> Path:
    """Write the supervisor's sheet as ``<out_dir>/主管评分.xlsx``, months as ``2026-11`` and
    satisfaction as ``96.5%`` the way a supervisor types them."""
    path = Path(out_dir) / SUPERVISOR_SCORES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    header, cols = _rows_from(scores, _SUPERVISOR_ZH)
    cols["month"] = [v.strftime("%Y-%m") for v in cols["month"]]
    cols["satisfaction"] = [f"{v:.1%}" for v in cols["satisfaction"]]
    return _write_xlsx(path, header, list(cols.values()), sheet="主管评分")

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
date: str = ""  # the report day as YYYY-MM-DD (empty: yesterday, within the data)
data_dir: str = ""  # the history store to read (empty: the configured store, else the demo store)
lang: str = "zh"  # zh | en: language of every label, title and column
xlsx_path: str = ""  # the Excel workbook to write (the runner fills it; empty: none)
remind_after_h: float = 2  # remind orders still unpaid this many hours after they were placed
remind_window_days: float = 3  # remind only orders placed within this many days
max_chases: int = 2  # an inquiry leaves the chase list once chased this many times
top_provinces: int = 10  # provinces shown (the rest summed as other)
top_products: int = 10  # products shown (the rest summed as other)
list_rows: int = 30  # rows of the reminder list in the HTML (all in the workbook)
chase_examples: int = 5  # masked chase examples shown (the agents' own sheets come from csops chase)
anomaly_z: float = 2.0  # the z from which a change counts (with half the threshold at least)
anomaly_rel: float = 0.3  # relative change that counts (sales, orders, visitors, times, counts)
anomaly_pts: float = 0.05  # change of a rate that counts, in fraction points
anomaly_traffic_up: float = 0.2  # traffic-up rule: visitors at least this much above average
anomaly_orders_flat: float = 0.05  # traffic-up rule: while orders moved at most this much
anomaly_min_sessions: int = 20  # judge an agent or shop conversion only with this many sessions
anomaly_min_count: int = 3  # a count such as slow sessions must move by at least this much
anomaly_min_seconds: float = 30  # a time such as first response must move by at least this many seconds
anomaly_min_days: int = 7  # days of history needed for a 28-day average and z

# %% tags=["remove_cell"]
from IPython.display import display  # noqa: E402

from csops_lib.render import charts  # noqa: E402
from csops_lib.render.daily import DailyView  # noqa: E402
from csops_lib.settings.daily import DailySettings  # noqa: E402
from csops_lib.settings.paths import resolve_store  # noqa: E402

data_dir = resolve_store(data_dir)  # "" = the configured store; runs from notebooks/ too

charts.setup_style()
settings = {key: globals()[key] for key in DailySettings.model_fields}
report = DailyView.load(data_dir, date or None, lang=lang, params=settings)

# %%
display(report.title())
display(report.workbook_note(xlsx_path))

# %%
display(report.section("headline"))
display(report.headline_table())

# %%
display(report.section("daily_anomalies"))
display(report.anomalies_html())

# %%
display(report.section("daily_deals"))
display(report.subsection("daily_provinces"))
display(report.provinces_block())
display(report.subsection("daily_pay_slots"))
display(report.pay_slots_block())
display(report.subsection("daily_products"))
display(report.products_block())

# %%
display(report.section("daily_agents"))
display(report.agent_table())
display(report.agent_charts())

# %%
display(report.section("daily_served"))
display(report.served_table())

# %%
display(report.section("daily_chase"))
for part in report.chase_section():
    display(part)

# %%
display(report.section("daily_reminders"))
for part in report.reminder_section():
    display(part)

# %%
display(report.section("daily_callbacks"))
display(report.callbacks_table())

# %%
display(report.section("appendix"))
display(report.appendix())

# %% tags=["remove_cell"]
if xlsx_path:
    report.write_xlsx(xlsx_path)

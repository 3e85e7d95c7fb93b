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
promo: str = ""  # promo name in the promos table such as double11 (empty: the latest promo)
data_dir: str = ""  # the history store to read (empty: the configured store, else the demo store)
lang: str = "zh"  # zh | en: language of every label, title and column
xlsx_path: str = ""  # the report's Excel workbook (the runner fills it; empty: none)
baseline_gap_days: int = 7  # baseline: the promo window this many days earlier
wave_days: int = 3  # after-sales wave: this many days after the promo
concurrency: int = 4  # chats one agent holds at once
aht_s: float = 0  # mean handling time of a session in seconds (0: from the data)
aht_cap_s: float = 1800  # with aht_s 0: each session's duration capped here (seconds)
target_service_level: float = 0.8  # staffing: share of customers answered within answer_within_s
answer_within_s: int = 30  # staffing: the service-level answer time in seconds
max_occupancy: float = 0.85  # staffing: agents busy at most this share of the time
shrinkage: float = 0.2  # staffing: share of rostered time not available (breaks, meetings)
load_growth: float = 1.0  # staffing: next promo's load relative to this one
pk_by: str = "sales"  # team PK on sales or orders
top: int = 5  # agents shown in the hourly leaderboard

# %% tags=["remove_cell"]
from IPython.display import display  # noqa: E402

from csops_lib.render import charts  # noqa: E402
from csops_lib.render.promo import load as load_promo  # noqa: E402
from csops_lib.settings.paths import resolve_store  # noqa: E402

data_dir = resolve_store(data_dir)  # "" = the configured store; runs from notebooks/ too

charts.setup_style()
settings = dict(baseline_gap_days=baseline_gap_days, wave_days=wave_days,
                concurrency=concurrency, aht_s=aht_s, aht_cap_s=aht_cap_s,
                target_service_level=target_service_level, answer_within_s=answer_within_s,
                max_occupancy=max_occupancy, shrinkage=shrinkage, load_growth=load_growth,
                pk_by=pk_by, top=top)
retro = load_promo(data_dir, promo or None, lang=lang, params=settings)
retro.write_workbook(xlsx_path)

# %%
display(retro.title())

# %%
display(retro.section("promo_headline"))
display(retro.headline())

# %%
display(retro.section("promo_overview"))
display(retro.overview_table())

# %%
display(retro.section("promo_daily"))
display(retro.daily_table())

# %%
display(retro.section("promo_hourly"))
display(retro.hourly_chart())

# %%
display(retro.section("promo_capacity"))
display(retro.capacity_chart())
display(retro.capacity_summary())

# %%
display(retro.section("promo_no_agent"))
display(retro.no_agent_hours())

# %%
display(retro.section("team_pk"))
display(retro.pk_summary())
display(retro.team_pk_table())
display(retro.note("pk"))

# %%
display(retro.section("promo_agent_targets"))
display(retro.agent_targets_table())

# %%
display(retro.section("promo_after_sales"))
display(retro.after_sales_table())

# %%
display(retro.section("promo_leaderboard"))
display(retro.note("leaderboard"))
display(retro.leaderboard_table())

# %%
display(retro.section("promo_conversion"))
display(retro.conversion_table())
display(retro.note("conversion"))

# %%
display(retro.section("promo_wave"))
display(retro.wave_summary())
display(retro.wave_chart())
display(retro.refunds_table())

# %%
display(retro.section("promo_staffing"))
display(retro.staffing_summary())
display(retro.staffing_chart())
display(retro.staffing_table())

# %%
display(retro.section("appendix"))
display(retro.appendix())
display(retro.parameters())

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
week: str = ""  # ISO week such as 2026-W47 (empty: the last complete week in the data)
month: str = ""  # month such as 2026-10: gives the monthly report (empty: the weekly one)
period: str = "week"  # week | month (month without a month given: the last complete month)
data_dir: str = "data/demo/store"  # the history store to read (csops ingest writes it)
lang: str = "zh"  # zh | en: language of every label, title and column
top_provinces: int = 10  # how many provinces the regions section shows
top_questions: int = 15  # how many frequent questions the questions section shows
xlsx_path: str = ""  # the Excel workbook to write (empty: none; the runner fills it in)

# %% tags=["remove_cell"]
from IPython.display import display  # noqa: E402 (after the parameters cell)

from csops_lib.render import charts  # noqa: E402
from csops_lib.reports import weekly  # noqa: E402

charts.setup_style()
review = weekly.PeriodReview.load(data_dir, week or None, month=month or None, period=period,
                                  lang=lang, top_questions=top_questions)

# %%
display(review.title())

# %%
display(review.section("headline"))
display(review.highlights())
display(review.headline_table())

# %%
display(review.section("daily_sales"))
display(review.daily_sales_chart())
display(review.daily_table())

# %%
if review.has("wr_conversion"):
    display(review.section("wr_conversion"))
    display(review.conversion_chart())

# %%
if review.has("wr_attribution"):
    display(review.section("wr_attribution"))
    display(review.attribution_chart())
    display(review.attribution_table())

# %%
if review.has("wr_heatmap"):
    display(review.section("wr_heatmap"))
    display(review.payment_heatmap())
    display(review.note("wr_heatmap_note"))

# %%
if review.has("regions"):
    display(review.section("regions"))
    display(review.regions_chart(top_provinces))
    display(review.regions_table(top_provinces))

# %%
if review.has("wr_callbacks"):
    display(review.section("wr_callbacks"))
    display(review.callbacks_table())
    display(review.callback_problems_table())

# %%
if review.has("wr_refunds_section"):
    display(review.section("wr_refunds_section"))
    display(review.refunds_table())
    display(review.refund_reasons_table())

# %%
if review.has("wr_dsr"):
    display(review.section("wr_dsr"))
    display(review.dsr_chart())
    display(review.dsr_table())

# %%
if review.has("wr_response"):
    display(review.section("wr_response"))
    display(review.response_chart())
    display(review.note("wr_response_note"))

# %%
if review.has("wr_questions"):
    display(review.section("wr_questions"))
    display(review.questions_table())

# %%
if review.has("agents"):
    display(review.section("agents"))
    display(review.agent_table())

# %%
if review.has("wr_team"):
    display(review.section("wr_team"))
    display(review.team_table())

# %%
display(review.section("appendix"))
display(review.appendix())
display(review.thresholds_table())

# %% tags=["remove_cell"]
if xlsx_path:
    review.write_workbook(xlsx_path)

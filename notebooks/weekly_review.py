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
data_dir: str = "data/demo/store"  # the history store to read (csops ingest writes it)
lang: str = "zh"  # zh | en: language of every label, title and column
top_provinces: int = 10  # how many provinces the regions chart shows

# %% tags=["remove_cell"]
from IPython.display import display

from csops_lib import plots, weekly

plots.setup_style()
review = weekly.WeeklyReview.load(data_dir, week or None, lang=lang)

# %%
display(review.title())

# %%
display(review.section("headline"))
display(review.headline_table())

# %%
display(review.section("daily_sales"))
display(review.daily_sales_chart())

# %%
display(review.section("agents"))
display(review.agent_table())

# %%
display(review.section("regions"))
display(review.provinces_chart(top_provinces))

# %%
display(review.section("payment_hours"))
display(review.payment_hours_chart())

# %%
display(review.section("appendix"))
display(review.appendix())

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
data_dir: str = ""  # the history store to read (empty: the configured store, else the demo store)
lang: str = "zh"  # zh | en: language of every label, title and column
top_provinces: int = 10  # how many provinces the regions section shows
top_questions: int = 15  # how many frequent questions the questions section shows
outlier_k: float = 2.0  # ranking: mark agents whose slow/long share is above median + k robust SDs
outlier_min_gap: float = 0.01  # ranking: the smallest gap above the median that marks (0.01: 1 point)
outlier_min_sessions: int = 20  # ranking: agents with fewer sessions are not judged
xlsx_path: str = ""  # the Excel workbook to write (empty: none; the runner fills it in)

# %% tags=["remove_cell"]
from IPython.display import display  # noqa: E402 (after the parameters cell)

from csops_lib.render import charts  # noqa: E402
from csops_lib.render.weekly import WeeklyView  # noqa: E402
from csops_lib.reports import weekly  # noqa: E402
from csops_lib.settings.paths import resolve_store  # noqa: E402
from csops_lib.settings.weekly import WeeklySettings  # noqa: E402

data_dir = resolve_store(data_dir)  # "" = the configured store; runs from notebooks/ too

settings = WeeklySettings(top_provinces=top_provinces, top_questions=top_questions,
                          outlier_k=outlier_k, outlier_min_gap=outlier_min_gap,
                          outlier_min_sessions=outlier_min_sessions)
charts.setup_style()
data = weekly.load(data_dir, week or None, month=month or None, period=period,
                   top_questions=settings.top_questions)
view = WeeklyView(data, lang, settings=settings)

# %%
display(view.title())

# %%
for key in view.keys():
    for part in view.section(key):
        display(part)

# %% tags=["remove_cell"]
if xlsx_path:
    view.write_workbook(xlsx_path)

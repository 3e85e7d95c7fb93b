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
data_dir: str = ""  # the history store to read (empty: the configured store, else the demo store)
lang: str = "zh"  # zh | en: language of every label, title and column
week: str = ""  # base ISO week such as 2026-W47 (empty: the last complete week in the data)
uplift: float = 0.02  # inquiry conversion uplift (0.02 is +2 percentage points in points mode)
uplift_mode: str = "points"  # points (percentage points) | relative (0.1 is +10 %)
load_multiplier: float = 1.0  # forecast sessions per hour as a multiple of the base week (5 for a promo)
aht_s: float = 0.0  # handling time per session in seconds (0: measured from the data)
concurrency: int = 3  # chats one agent holds at once
target_service_level: float = 0.8  # share of sessions to answer within answer_within_s
answer_within_s: float = 30.0  # the service-level threshold in seconds
max_occupancy: float = 0.85  # the highest share of time an agent may be busy
shrinkage: float = 0.2  # share of paid time off the chat (breaks, training, meetings)
bonus_pool: float = 0.0  # bonus pool in yuan for the base week (0: pool_per_week of kpi_schemes.yaml)
bonus_threshold: float = -1.0  # score above which points earn bonus (negative: from kpi_schemes.yaml)
interactive: bool = False  # True in JupyterLab: sliders under each section (needs ipywidgets)

# %% tags=["remove_cell"]
from IPython.display import display  # noqa: E402

from csops_lib.render import charts  # noqa: E402
from csops_lib.render.what_if import WhatIf  # noqa: E402
from csops_lib.settings.paths import resolve_store  # noqa: E402
from csops_lib.settings.what_if import WhatIfSettings  # noqa: E402

data_dir = resolve_store(data_dir)  # "" = the configured store; runs from notebooks/ too

charts.setup_style()
settings = WhatIfSettings.load(dict(
    uplift=uplift, uplift_mode=uplift_mode, load_multiplier=load_multiplier, aht_s=aht_s,
    concurrency=concurrency, target_service_level=target_service_level,
    answer_within_s=answer_within_s, max_occupancy=max_occupancy, shrinkage=shrinkage,
    bonus_pool=bonus_pool, bonus_threshold=bonus_threshold, interactive=interactive))
wi = WhatIf.load(data_dir, week or None, lang=lang, settings=settings)
staff = settings.staffing_kwargs()
try:
    import ipywidgets as widgets
except ImportError:  # sliders are optional: the static tables below are always shown
    widgets = None
sliders = bool(interactive) and widgets is not None

# %%
display(wi.title())

# %%
display(wi.section("wi_uplift"))
display(wi.uplift_summary(uplift, uplift_mode))
display(wi.uplift_table(uplift, uplift_mode))
display(wi.uplift_chart(uplift, uplift_mode))

# %% tags=["remove_cell"]
if sliders:
    @widgets.interact(u=widgets.FloatSlider(value=uplift, min=0, max=0.1, step=0.005,
                                            readout_format=".1%"),
                      mode=["points", "relative"])
    def _uplift(u, mode):
        display(wi.uplift_summary(u, mode))
        display(wi.uplift_table(u, mode))

# %%
display(wi.section("wi_staffing"))
display(wi.staffing_summary(**staff))
display(wi.staffing_chart(**staff))
display(wi.staffing_table(**staff))

# %% tags=["remove_cell"]
if sliders:
    @widgets.interact(load_multiplier=(0.5, 8.0, 0.5), aht_s=(0.0, 900.0, 30.0),
                      concurrency=(1, 8), target_service_level=(0.5, 0.95, 0.05),
                      answer_within_s=(10.0, 180.0, 10.0), max_occupancy=(0.5, 1.0, 0.05),
                      shrinkage=(0.0, 0.5, 0.05))
    def _staffing(load_multiplier=load_multiplier, aht_s=aht_s, concurrency=concurrency,
                  target_service_level=target_service_level, answer_within_s=answer_within_s,
                  max_occupancy=max_occupancy, shrinkage=shrinkage):
        kw = dict(load_multiplier=load_multiplier, aht_s=aht_s, concurrency=concurrency,
                  target_service_level=target_service_level, answer_within_s=answer_within_s,
                  max_occupancy=max_occupancy, shrinkage=shrinkage)
        display(wi.staffing_summary(**kw))
        display(wi.staffing_chart(**kw))

# %%
display(wi.section("wi_schemes"))
display(wi.schemes_summary(bonus_pool, bonus_threshold))
display(wi.schemes_table(bonus_pool, bonus_threshold))
display(wi.bonus_chart(bonus_pool, bonus_threshold))
display(wi.schemes_definition())

# %% tags=["remove_cell"]
if sliders:
    start_threshold = max(bonus_threshold, 0.0)

    @widgets.interact(pool=(0.0, 20000.0, 500.0), threshold=(0.0, 100.0, 5.0))
    def _schemes(pool=bonus_pool, threshold=start_threshold):
        display(wi.schemes_table(pool, threshold))

# %%
display(wi.section("wi_promo_schemes"))
display(wi.promo_summary())
for table in (wi.promo_teams_table(), wi.promo_table()):
    if table is not None:
        display(table)

# %%
display(wi.section("wi_appendix"))
display(wi.appendix())

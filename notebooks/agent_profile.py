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
agent: str = "小美"  # the agent (客服) to profile, as named in the roster or the chat log
week: str = ""  # ISO week such as 2026-W47 (empty: the last complete week in the data)
date_from: str = ""  # first day YYYY-MM-DD of a custom period (then week is ignored)
date_to: str = ""  # last day YYYY-MM-DD of a custom period
data_dir: str = ""  # the history store to read (empty: the configured store, else the demo store)
lang: str = "zh"  # zh | en: language of every label, title and column
scheme: str = ""  # KPI scheme of params/kpi_schemes.yaml (empty: the shop's scheme)
promo_mode: str = "auto"  # auto (on when the period lies within a promo) | on | off
scores_file: str = ""  # a supervisor score sheet 主管评分.xlsx (empty: the scores in the store)
trend_weeks: int = 8  # weeks of history in the trend chart (the period's week included)
gap: float = 0.1  # relative difference from the team median that counts as a strength / gap
training_pass: float = 80.0  # a new agent's assessment below this in week two is flagged
min_count_diff: int = 5  # counts (e.g. slow sessions) must differ from the median by this many
max_rows: int = 40  # rows listed in the review tables (the caption gives the total)

# %% tags=["remove_cell"]
from IPython.display import display  # noqa: E402

from csops_lib.render import charts  # noqa: E402
from csops_lib.render.agent_profile import AgentProfile  # noqa: E402
from csops_lib.settings.agent_profile import AgentProfileSettings  # noqa: E402
from csops_lib.settings.paths import resolve_store  # noqa: E402

data_dir = resolve_store(data_dir)  # "" = the configured store; runs from notebooks/ too

charts.setup_style()
settings = AgentProfileSettings.load(dict(
    scheme=scheme, promo_mode=promo_mode, scores_file=scores_file, trend_weeks=trend_weeks,
    gap=gap, training_pass=training_pass, min_count_diff=min_count_diff, max_rows=max_rows))
profile = AgentProfile.load(
    data_dir, agent, week or None, date_from=date_from or None, date_to=date_to or None,
    lang=lang, scheme=settings.scheme or None, promo_mode=settings.promo_mode,
    scores_file=settings.scores_file or None, settings=settings)

# %%
display(profile.title())

# %%
display(profile.section("ap_overview"))
display(profile.strengths_html())
display(profile.overview_table())

# %%
display(profile.section("ap_trend"))
display(profile.trend_chart())

# %%
display(profile.section("ap_funnel"))
note = profile.funnel_note()
if note is not None:
    display(note)
display(profile.funnel_table())
display(profile.funnel_chart())

# %%
display(profile.section("ap_response"))
display(profile.response_table())
display(profile.response_chart())

# %%
display(profile.section("ap_review"))
display(profile.review_table())

# %%
display(profile.section("ap_off_shift"))
display(profile.queued_note())
display(profile.queued_table())

# %%
display(profile.section("ap_lost"))
display(profile.lost_table())

# %%
display(profile.section("ap_training"))
display(profile.training_table())

# %%
display(profile.section("ap_scorecard"))
display(profile.score_line())
display(profile.scorecard_table())
display(profile.ranking_table())

# %%
display(profile.section("ap_appendix"))
display(profile.appendix())
display(profile.parameters())

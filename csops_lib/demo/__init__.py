"""The seeded demo shop: `generate` makes its tables, `build_demo` writes them as the real
exports, `build.build_demo_store` / `build.ensure_demo_store` ingest them into a store.

Modules: `catalog` (stores, agents, products, places, chat texts), `shop` (state, calendar,
helpers), `sessions` (sessions → messages), `chats` and `orders` (the simulation steps and
their tables), `tables` (traffic, DSR, roster, training, promos, supervisor scores),
`exports` (the raw files), `generator` (`generate`, `build_demo`), `build` (the store)."""
from csops_lib.demo.catalog import (
    DEMO_AGENTS,
    DEMO_PRODUCTS,
    DEMO_STORES,
    PAY_HOUR_SHARES,
    PROMO_DISPLAY_NAME,
    PROMO_NAME,
)
from csops_lib.demo.exports import SUPERVISOR_SCORES_FILE, write_exports, write_supervisor_scores
from csops_lib.demo.generator import build_demo, generate
from csops_lib.demo.tables import supervisor_scores

__all__ = [
    "DEMO_STORES", "DEMO_AGENTS", "DEMO_PRODUCTS", "PROMO_NAME", "PROMO_DISPLAY_NAME",
    "PAY_HOUR_SHARES", "generate", "write_exports", "build_demo", "supervisor_scores",
    "write_supervisor_scores", "SUPERVISOR_SCORES_FILE",
]

"""The seeded demo shop: `generate` makes its tables, `build_demo` writes them as the real
exports, `build.build_demo_store` / `build.ensure_demo_store` ingest them into a store."""
from csops_lib.demo.generator import (
    DEMO_AGENTS,
    DEMO_PRODUCTS,
    DEMO_STORES,
    PAY_HOUR_SHARES,
    PROMO_DISPLAY_NAME,
    PROMO_NAME,
    SUPERVISOR_SCORES_FILE,
    build_demo,
    generate,
    supervisor_scores,
    write_exports,
    write_supervisor_scores,
)

__all__ = [
    "DEMO_STORES", "DEMO_AGENTS", "DEMO_PRODUCTS", "PROMO_NAME", "PROMO_DISPLAY_NAME",
    "PAY_HOUR_SHARES", "generate", "write_exports", "build_demo", "supervisor_scores",
    "write_supervisor_scores", "SUPERVISOR_SCORES_FILE",
]

"""Settings: where things are (`paths`) and the validated settings of the shop and of each
report (defaults defined once, YAML files in params/ hold overrides). No side effects."""

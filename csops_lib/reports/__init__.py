"""Report frame builders: each report module turns the store's data and the metrics into the
DataFrames its sections show (no formula here: formulas live in `csops_lib.metrics`)."""

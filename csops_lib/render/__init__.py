"""Presentation: the label catalog (zh/en), number formats, escaped HTML, charts, the one
workbook writer. Everything a reader sees is rendered here from the reports' frames."""

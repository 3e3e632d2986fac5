"""Rendering results: output files, maps, figures, the HTML report and their labels."""

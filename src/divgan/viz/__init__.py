"""Figures: toy density panels, curves, image grids, the HTML report. Matplotlib runs headless (Agg)."""
import matplotlib

matplotlib.use("Agg")

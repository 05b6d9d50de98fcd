"""Reading the stored runs: the `Study` of a selection, the rows every claim selects, statistics over seeds,
verdict rules, the figure style, and the published numbers the claims compare against."""

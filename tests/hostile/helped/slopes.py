"""The helper: the negative slope. Editing it changes what `helped.acts:leaky` computes."""

SLOPE = 0.05

"""Training a group and measuring it: the stacked models, the engine, and what is recorded (probes, gradient
norms, the cost benchmark). It reads a `GroupSpec` and returns tidy rows; storing them is `study.run`'s part."""

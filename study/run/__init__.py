"""Running a sweep: each group claimed, trained and stored by a worker, in this process, a pool of processes,
a SLURM job array, or once per Keras backend."""

"""A package whose activation takes its slope from a helper module of the package."""

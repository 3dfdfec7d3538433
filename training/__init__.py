"""Training recipes for xxgk's models (run from the repository root: ``python -m training.train``)."""

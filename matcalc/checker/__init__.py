"""The checker: compare a candidate with the references, apply tolerances, diagnose, report."""

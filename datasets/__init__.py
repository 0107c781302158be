"""Toy datasets and CSV import for the playground. Depends on NumPy only."""

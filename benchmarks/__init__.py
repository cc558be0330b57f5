"""Benchmarks of dect.provisioning: ``python -m benchmarks`` runs every ``bench_*.py``."""

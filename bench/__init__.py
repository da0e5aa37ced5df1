"""Amanat's benchmarks: ``python -m bench [NAME ...] [--quick]`` (or ``make bench``)."""

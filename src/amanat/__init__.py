"""Amanat: authentic news exchange and press verification."""

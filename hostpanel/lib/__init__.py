"""Helpers that import no Django app (healthchecks' hc/lib)."""

"""Spam scoring: heuristic rules, sender authentication, blocklists, language and a classifier.

Pure Python, no Django: :mod:`mailcore.filters.spam.engine` puts the parts together for the
SMTP servers, which read preferences and models through :mod:`mailcore.directory`.
"""

"""hostpanel's mail backend: SMTP in, POP3 out, and the storage between them.

Only :mod:`mailcore.directory` touches Django; everything else works on the
plain data objects it returns.
"""

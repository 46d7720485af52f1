"""The theory-of-change model as plain Python.

Code in this package does no I/O and imports neither Flask nor SQLAlchemy, so a theory of change
can be built, checked and compared in a test without an app or a database.
"""

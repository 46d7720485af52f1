"""Exported documents: the leader's flowchart, one return interview annotated, all voices of a
setting, and a printable annotation sheet, each as PDF (WeasyPrint) and Word (python-docx).

:mod:`.model` holds what a document says as plain data (built by
:mod:`tocapp.services.export_data`, with the privacy rules already applied); :mod:`.pdf` and
:mod:`.docx` lay it out. Nothing here needs a request or a database session. This package
imports no writer by itself, so reading the model never loads WeasyPrint.
"""

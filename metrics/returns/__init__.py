"""Quarterly returns: the file, its validation, and what people do with a return.

``file`` and ``xlsxsafe`` (reading a CSV or XLSX, or refusing it whole), ``context``, ``rules``
and ``validation`` (findings by row and column), ``policy`` (who may do what, when), ``upload``
(preview, drafts, new versions), ``bulk`` (one file for many bodies), ``review`` (justify, sign
off, accept, send back, reopen), ``events`` (the audit trail), ``completeness``, ``downloads``;
the pages (``views``), the API (``api``), their ``forms`` and ``urls``.
"""

"""The catalogue: framework editions, their metrics and quarters, as data.

``editions`` (which editions exist and which one a quarter uses), ``rows`` (one row of the
catalogue CSV and its rules), ``loading`` (load, export, edit), ``periods`` (quarters and their
windows); the pages (``views``, ``forms``), the API (``api``) and their ``urls``.
"""

"""Results read back: a body's profile, one metric explained, SPC charts, the results API.

``selectors`` (scoped reads through each quarter's current run), ``explain`` (a result in
words), ``chart_data``, ``charts`` and ``mdc`` (Making Data Count's charts, icons and words);
the pages (``views``), the API (``api``) and their ``urls``.
"""

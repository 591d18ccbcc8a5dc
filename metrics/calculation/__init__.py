"""Calculation runs: a quarter's national picture, recomputed after every acceptance.

``runs`` (request, claim, coalesce, publish, sweep), ``steps`` (a run's plan and its steps),
``national`` and ``national_sql`` (quarter values, ranks, quartiles, scores), ``series`` and
``series_sql`` (SPC), ``flags``, ``inputs`` (what a run read), ``sql`` (the PostgreSQL devices,
each with a portable fallback), ``tasks`` (Celery), ``receivers`` (an acceptance asks for a
run); the run pages and API (``views``, ``api``, ``selectors``, ``urls``).

DESIGN.md "Scale": the national part of a run is SQL over the whole quarter — window functions
for ranks, ``percentile_cont`` for quartile thresholds, ``INSERT … SELECT`` and ``COPY`` for
writing — never a Python loop over national rows.
"""

"""Metrics: from the catalogue to a quarter's national results, read in the order data flows.

- ``engine``: the pure rules (quartiles, scores, SPC, flags, the cells of a return) — no Django;
- ``catalogue``: framework editions, their metrics and quarters;
- ``returns``: return files, validation, the operations of a return and who may do what when;
- ``calculation``: calculation runs, their plan, national results, SPC series, flags, SQL devices;
- ``results``: reading the results back: selectors, explanations in words, charts;
- ``models``: the tables, split by the same parts.

Imports run one way, engine ← catalogue ← returns ← calculation ← results (import-linter
contracts in pyproject.toml, checked by ``make test``); a lower part tells a higher one that
something happened by a signal (``returns.signals``), never by importing it.
"""

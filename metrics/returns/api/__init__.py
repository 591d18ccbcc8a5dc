"""REST API of quarterly returns: /api/v1/returns/ (scoped), upload, review steps, history.

Thin views over `metrics.returns`. Status codes say who must act: 400 the caller's input or
file (with every finding, row and column), 403 a role that may see the body but not do this,
404 a return or body outside the caller's scope (the same as one that does not exist), 409 the
return's state or window (with the reason, e.g. "The 2021-22 Q3 return closed on …")."""

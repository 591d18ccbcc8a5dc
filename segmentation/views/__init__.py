"""The pages of segmentation: the regional review, decisions, ICS leads' views, publication,
national segmentation and league tables. Thin: each reads through a selector and writes through
the same operation the API calls (segmentation.decisions, .system_views, .publication)."""

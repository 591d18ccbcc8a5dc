"""The pure rules of oversight: quartiles, scores, SPC, flags and the cells of a return.

Plain values in, plain values out: the standard library and numpy only, never Django (an
import-linter contract holds it), so every rule is tested without a database and the enums the
models build their choices from (`kinds`) are the same objects the rules compare with.
"""

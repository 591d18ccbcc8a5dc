"""Statistical process control of one body's metric series: the XmR chart.

Source: NHS England, "Making Data Count" (MDC). For each segment of the series (a rebase
starts a new one, each with its own mean and limits, and no rule spans a rebase):

1. Mean over the baseline points: all of the segment, or its first N.
2. Moving ranges |yᵢ - yᵢ₋₁| over the baseline and their mean, AMR. Optional screening drops
   moving ranges ≥ 3.267 * AMR and recomputes AMR once (MDC's Excel tool does not screen).
3. Process limits mean ± 2.66 * AMR; the 2-sigma band mean ± (2 * 2.66 / 3) * AMR.
4. Special causes, marked on every point they cover, in precedence order:
   - outside_limits: a point strictly above the upper or below the lower limit;
   - trend: N points strictly rising or falling (a tie breaks it);
   - two_in_three: two of three consecutive points beyond the same 2-sigma line, with all three
     strictly on that side of the mean — only the points beyond the line are marked, not the
     third point of the triple;
   - run: N points strictly on one side of the mean (a point on the mean breaks it).
   A point can carry several; its ``rule`` is the one first in that order.
5. A signal's direction (high/low) read with the polarity gives improvement or concern;
   neutral metrics keep high/low.
6. Variation icon from the latest point's first signal. Assurance icon from the target
   against the latest segment's limits: a target strictly beyond the limits on the side the
   process should move towards is never reached (consistently fail), beyond the other side it
   is always met (consistently pass), otherwise hit and miss.

Limits computed from fewer than ``min_points_for_limits`` baseline points are trial: shown, but
``signals_reliable`` is False and no flags should be raised. When AMR = 0 (a constant series)
no rule fires at all: a series is never "outside" limits that sit on its own mean.

Two forms of the same rules: ``spc_analyse`` for one series, with an object per point (charts,
tests), and ``spc_block`` for many series of equal length at once, on numpy arrays (a
calculation run: ~30k series at England scale). Both mark special causes as small bit masks
(``SIGNAL_BITS``); the tests hold the two forms equal. ``document_encode``/``document_decode``
are the compact stored form of a series' chart.

The parts: ``kinds`` (rules, icons, settings and the result types), ``masks`` (special causes
as bit masks), ``analysis`` (one series), ``block`` (many series at once) and ``document``
(the stored chart).
"""

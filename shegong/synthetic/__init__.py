"""Synthetic data at scale for ``shegong generate``: plausible, deterministic, entirely fictional.

A plain package (no models, not an installed app): ``names`` draws Chinese names, ``build``
writes a county's or a province's stations, workers, recipients and years of casework through
the bulk paths of :mod:`shegong.recipients.imports`.
"""

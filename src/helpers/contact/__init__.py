"""Contactability (stage 06): per customer and channel, may we contact them, and why.

One concern per module: `rules` (config/contactability.yaml), `suppressions` (standardise the
lists and find whose they are), `consent` (opt-ins and opt-outs as dated events), `decide`
(the long table and its reason ladder), `worklists`, `charts`, and `stage` (all of it in order).
"""

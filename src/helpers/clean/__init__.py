"""Stage 02, clean and standardise: people records through the shared field standardisers
(helpers/standardise/), the reconciliation of every row, and the change summary.
"""

"""Golden records (stage 04): one row per person, chosen by survivorship rules, with lineage."""

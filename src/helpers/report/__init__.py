"""Stage 08: the shareable customer report — aggregates, charts and masked examples, checked for personal data."""

"""Data-subject requests (GDPR / LGPD): erasure with tombstones, and subject access.

- `tombstones`: the keyed hashes an erasure leaves behind, and the store they live in;
- `erasure`: finding an erased person in a run folder and rewriting its tables without them;
- `subject_access`: everything a run holds about one person, as one owner-only file.
"""

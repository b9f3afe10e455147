"""People's corrections to the matching, kept across runs (see data/decisions/README.md).

- `store`: the decisions store — an append-only log outside run folders.
- `review_file`: the review worklist as a spreadsheet to work in, and reading it back.
- `resolve`: the decisions in force (later wins), conflicts between them, pairs already decided.
- `constrain`: must-links and cannot-links applied to the scored pairs before clustering.
- `persons`: `merge` and `split` of persons turned into record-level decisions.
- `labels`: precision and recall estimated from reviewed pairs.
"""

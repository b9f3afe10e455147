"""Field standardisers shared by every stage that reads customer data: each takes raw text
columns and returns `<field>_std` and friends.

Stage 02 cleans people with them (helpers/clean/); later stages read new data with the very same
code (address moves in 05, suppression lists in 06, sales in 05 and 07, validity profiles in 01),
so a postcode or a birth date means the same everywhere. They belong to no stage.

Every standardiser parses each distinct input once (see `distinct.per_distinct`) and joins the
result back, because customer files repeat the same city, domain, first name and postcode
millions of times while the expensive parsers (phonenumbers, email validation) cost microseconds
per call.
"""

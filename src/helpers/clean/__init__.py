"""Standardisers for stage 02: each takes raw text columns and returns `<field>_std` and friends.

Every standardiser parses each distinct input once (see `per_distinct`) and joins the result
back, because customer files repeat the same city, domain, first name and postcode millions of
times while the expensive parsers (phonenumbers, nameparser) cost microseconds per call.
"""

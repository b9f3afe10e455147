"""Identity resolution (stage 03): the matching features, the Splink model, its training guard,
clustering and evaluation against truth."""

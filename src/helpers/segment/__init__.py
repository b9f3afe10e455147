"""Stage 07: customer metrics, RFM and lifecycle segments, profile segments and campaign lists."""

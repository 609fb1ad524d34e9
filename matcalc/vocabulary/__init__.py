"""The vocabulary: records, kinds, layouts, domains and sources. It knows no check and no identity."""

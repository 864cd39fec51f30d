"""The store read back: exports, the dataset card, verify, the catalogue."""

"""The zip route's own logic: artwork IDs, the upper-bound search and its probe."""

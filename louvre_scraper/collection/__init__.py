"""The collection route's own logic: arks, the sitemap walk, the ledger, the incremental plan."""

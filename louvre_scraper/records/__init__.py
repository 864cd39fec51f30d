"""A record's fields as the feed, the exports and the catalogue give them; the filters."""

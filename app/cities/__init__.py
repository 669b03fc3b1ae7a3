"""City registry: data files, validation, cached lookups and the public city API (§7)."""

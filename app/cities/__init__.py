"""City registry: data files, validation, cached lookups and the public city API (§7).

Other features use `from app.cities import registry` (get, all, check_citation); importing
it here makes `app.cities.registry` available to `from app import cities` as well.
"""
from app.cities import registry  # noqa: F401

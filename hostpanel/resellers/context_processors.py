from hostpanel.resellers.access import reseller_of

DEFAULT_BRAND = "hostpanel"


def brand(request) -> dict:
    """``brand``: the name the page shows (the reseller's under its panel host);
    ``reseller_login``: the reseller the logged-in account logs in for, or None."""
    reseller = getattr(request, "reseller", None)
    return {
        "brand": reseller.name if reseller is not None else DEFAULT_BRAND,
        "reseller_login": reseller_of(getattr(request, "user", None)),
    }

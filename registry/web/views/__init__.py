"""Pages, split by area. Each view parses, authorises through selectors, calls one service or
query, and renders; domain errors become HTML error pages in registry.web.middleware."""

"""Cross-cutting interfaces every component shares: tags/labels, protection, stable names, Azure roles."""

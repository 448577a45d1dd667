"""Reusable Pulumi components, one building block per module: ``azure``, ``gcp`` (and ``common`` interfaces)."""

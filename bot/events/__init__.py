"""Webhook triage: which deliveries become jobs (``router``), one module per feature."""

"""Outbound webhooks per account: typed events, the outbox, the signed sender, the API."""

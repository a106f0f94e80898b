"""Clients for the components of a monitoring stack."""

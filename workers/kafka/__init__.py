"""Kafka in one place: topic names with the deployment prefix, client factories, and topic provisioning."""

"""Bridge consumers: the generic loop from a Kafka topic to Celery, its registry type and the retry policies.

Which consumers exist and where their events go is the composition root's to say, not this package's.
"""

"""What every API of the project shares inside the web process: JWT authentication, trace context middleware,
health probes, serializer fields and the OpenAPI error contract."""

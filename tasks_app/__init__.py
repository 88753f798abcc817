"""Tasks: the model, JWT authentication, the REST API, and the services that write tasks with their events."""

"""The FastAPI application: routes, schemas, errors, OpenAPI."""

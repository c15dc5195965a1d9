"""The pages: the officer console (`/console`), the citizen portal (`/public`) and the issuer's
sign-in (`/oauth/authorize`), server-rendered with Jinja2 and progressively enhanced with a
vendored htmx. They call the API's own handlers and services (no HTTP to itself, no second path
to the data) and are not part of the OpenAPI document."""

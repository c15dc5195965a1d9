"""HTTP routers. Each speaks HTTP only: parameters, response models, status codes."""

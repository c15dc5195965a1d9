"""OAuth2 for partner clients, officer token validation, roles and policy, the audit log."""

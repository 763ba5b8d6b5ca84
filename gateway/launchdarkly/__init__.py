"""LaunchDarkly's dialect: its usage API routes, query strings and SDK event payloads."""

"""Cross-cutting protection of the portal: abuse limits, request size, security headers and
session lifetimes. It sits beside the apps, reads their public modules only, and is wired in
through settings (middleware, DRF throttles, the 400 handler)."""

"""Small helpers of no domain: running work off the reactor thread, the lazy start."""

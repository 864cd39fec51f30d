"""What a body is, judged from its bytes and status alone: plain functions, no Twisted."""

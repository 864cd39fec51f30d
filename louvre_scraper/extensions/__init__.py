"""Extensions: progress, summary, the quiet log, secret redaction, the feed storage."""

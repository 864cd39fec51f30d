"""Item pipelines: storing what the spiders received."""

"""The fake Louvre: a local server standing in for collections.louvre.fr (see ``server``)."""

"""Downloader middlewares: fetch policy, body judge, retry, robots.txt, reachability."""

"""How the site lists its records: robots.txt (its ``Sitemap:`` line and the "Bloque les IA"
groups), the sitemap index and the sub-sitemaps, each record listed twice with alternates."""

from __future__ import annotations

import re

from fakesite.records import ARK_PREFIX

SITEMAP_RE = re.compile(r"/media/sitemap/sitemap(\d+)\.xml")
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ROBOTS_TXT = b"User-agent: *\nDisallow: /search/export\n"  # as served with --records 0
ROBOTS_FORBID = b"User-agent: *\nDisallow: /en/artwork/image/\n"  # --robots-forbid
# robots.txt's "Bloque les IA" groups: a dozen named AI crawlers, each its own group.
AI_BOTS = (
    "GPTBot",
    "ChatGPT-User",
    "OAI-SearchBot",
    "CCBot",
    "ClaudeBot",
    "anthropic-ai",
    "Google-Extended",
    "PerplexityBot",
    "Bytespider",
    "Amazonbot",
    "Applebot-Extended",
    "meta-externalagent",
)
AI_DISALLOWED = ("/*.jpg$", "/*.jpeg$", "/*.png$", "/*.webp$")  # lower case only, as served
# Pages a real sub-sitemap lists besides the records.
OTHER_PAGES = ("/", "/en", "/page/cgu", "/en/page/documentationJSON", "/en/recherche")


def robots_body(base: str, *, enabled: bool, sitemap_line: bool) -> bytes:
    """The robots.txt body: ``ROBOTS_TXT`` with the route off; else with the ``Sitemap:`` line
    (if ``sitemap_line``) and the AI crawlers' groups."""
    text = "User-agent: *\nDisallow: /search/export\n"
    if not enabled:
        return text.encode()
    if sitemap_line:
        text = f"Sitemap: {base}/sitemap.xml\n\n{text}"
    for bot in AI_BOTS:  # each its own group, as the site has them
        text += f"\n# Bloque les IA\nUser-agent: {bot}\n"
        text += "".join(f"Disallow: {rule}\n" for rule in AI_DISALLOWED)
    return text.encode()


def sitemap_index_body(
    base: str, paths: list[str], lastmods: list[str] | None, *, self_listing: bool = False
) -> bytes:
    """The ``/sitemap.xml`` body: one ``<sitemap>`` per sub-sitemap path, with its lastmod
    unless ``lastmods`` is None; ``self_listing``: the index also lists itself, twice."""
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">']
    for i, path in enumerate(paths):
        lastmod = f"<lastmod>{lastmods[i]}</lastmod>" if lastmods is not None else ""
        lines.append(f"<sitemap><loc>{base}{path}</loc>{lastmod}</sitemap>")
    if self_listing:  # an index listing itself, twice
        lines += [f"<sitemap><loc>{base}/sitemap.xml</loc></sitemap>"] * 2
    lines.append("</sitemapindex>\n")
    return "\n".join(lines).encode()


def sitemap_body(
    base: str, arks: list[str], lastmods: list[str | None] | None, *, other_pages: bool
) -> bytes:
    """A sub-sitemap's body: each ark listed twice (``{base}/ark:/53355/{ark}`` and the
    ``/en`` one) with hreflang fr/en alternates and its lastmod unless ``lastmods`` is None;
    ``other_pages``: then a few pages that are not records, as the first real one lists."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">',
    ]
    for i, ark in enumerate(arks):
        fr, en = f"{base}{ARK_PREFIX}{ark}", f"{base}/en{ARK_PREFIX}{ark}"
        lastmod = f"<lastmod>{lastmods[i]}</lastmod>" if lastmods is not None else ""
        alternates = (
            f'<xhtml:link rel="alternate" hreflang="fr" href="{fr}"/>'
            f'<xhtml:link rel="alternate" hreflang="en" href="{en}"/>'
        )
        lines.extend(f"<url><loc>{loc}</loc>{lastmod}{alternates}</url>" for loc in (fr, en))
    if other_pages:
        lines.extend(f"<url><loc>{base}{page}</loc></url>" for page in OTHER_PAGES)
    lines.append("</urlset>\n")
    return "\n".join(lines).encode()

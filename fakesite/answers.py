"""What the documented route answers with: ``Answer``, the content types and the error pages."""

from __future__ import annotations

from dataclasses import dataclass

JSON_TYPE = "application/json"
XML_TYPE = "application/xml"
HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
JPEG_TYPE = "image/jpeg"
PNG_TYPE = "image/png"
NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html><head><title>Not Found</title></head><body>Not Found</body></html>"
)
SERVER_ERROR_PAGE = (
    b'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Erreur | Louvre</title>'
    b'</head>\n<body><main class="error-page"><h1>Server error. Continue to search the Louvre '
    b'collections</h1><p><a href="/">Collections du Louvre</a></p></main></body></html>\n'
)


@dataclass(frozen=True)
class Answer:
    """A fault-free answer: status, Content-Type and body."""

    status: int
    content_type: str
    body: bytes

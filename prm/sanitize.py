"""Rich text from users (announcements, course modules) is stored sanitized: a small allow-list of tags,
no scripts, no styles, no event handlers; links get rel="noopener noreferrer"; images only from the portal's own
uploads (a remote `<img>` is a tracking pixel that tells a third party who read the announcement and when)."""

import re
from urllib.parse import urlsplit

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"colspan"}, "td": {"colspan"}}


# Where the portal serves its own uploaded files: an image must be a relative URL under one of these.
LOCAL_IMAGE_PATHS = ("/media/", "/uploads/")
# nh3's output quotes every attribute value with `"` and escapes any `"` inside, so this matches a whole tag.
_IMG_TAG = re.compile(r'<img((?:\s+[\w-]+="[^"]*")*)\s*/?>')


def is_local_image(src: str) -> bool:
    """A path on this site under the uploads (no scheme, no host, no `//host` or `\\host` trick)."""
    if "\\" in src:
        return False
    parts = urlsplit(src)
    return not parts.scheme and not parts.netloc and parts.path.startswith(LOCAL_IMAGE_PATHS)


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and not is_local_image(value.strip()):
        return None
    return value


def _drop_images_without_source(match: re.Match) -> str:
    return match.group(0) if re.search(r'\ssrc="', match.group(1)) else ""


def clean_html(value: str) -> str:
    cleaned = nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
    )
    # An image whose source was refused is dropped whole rather than left as an empty box.
    return _IMG_TAG.sub(_drop_images_without_source, cleaned)

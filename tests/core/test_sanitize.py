"""Rich text keeps the portal's own uploaded images and drops every remote one (tracking pixels)."""

import pytest

from prm.sanitize import clean_html

PIXEL = '<p>Q3 launch</p><img src="https://tracker.example/p.gif?u=42" width="1" height="1" alt="">'


def test_a_remote_tracking_pixel_is_dropped_and_the_text_kept():
    assert clean_html(PIXEL) == "<p>Q3 launch</p>"


def test_an_image_from_the_portals_uploads_is_kept():
    html = '<p>Booth</p><img src="/media/announcements/booth.png" alt="Our booth">'
    assert clean_html(html) == html


@pytest.mark.parametrize(
    "src",
    [
        "http://tracker.example/p.gif",
        "//tracker.example/media/p.gif",  # protocol-relative: another host
        "/\\tracker.example/media/p.gif",  # browsers read the backslash as a slash
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "/static/../partners/logo.png",
        "javascript:alert(1)",
        "",
    ],
)
def test_images_from_anywhere_else_are_dropped(src):
    assert "<img" not in clean_html(f'<p>x</p><img src="{src}" alt="a > b">')


def test_text_that_looks_like_an_image_tag_is_left_alone():
    assert clean_html("<p>write &lt;img src=x&gt; to embed</p>") == "<p>write &lt;img src=x&gt; to embed</p>"

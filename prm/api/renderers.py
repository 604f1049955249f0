"""The API's JSON renderer, which cannot fail on text: a string that is not valid Unicode (a lone surrogate
echoed from input in an error message) is written as a `\\uXXXX` escape instead of raising while encoding."""

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            self.ensure_ascii = True  # this instance serves one response; ASCII output always encodes
            return super().render(data, accepted_media_type, renderer_context)

"""The API's JSON parser: DRF's, holding parsed text to `registry.request.json_text_check`."""

from rest_framework.parsers import JSONParser

from registry.request import json_text_check


class TextJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return json_text_check(super().parse(stream, media_type, parser_context))

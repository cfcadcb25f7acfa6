"""Platform-wide middleware."""


class ChineseFirstMiddleware:
    """Serve Simplified Chinese unless the user picked another language (the language
    cookie set by /i18n/setlang/). A browser's Accept-Language is ignored: staff machines in
    government offices often run English-locale browsers, and the platform's working language
    is Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

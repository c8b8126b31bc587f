"""The API's routes, served on the dashboards' port by ``workbench serve`` and alone by
``workbench api``.

:data:`ROUTES` lists each path and its handler; another API shape adds its handlers there.
Every handler gets the process's :class:`~workbench.api.service.ApiServices`.
"""

from __future__ import annotations

from typing import Any

from tornado import web

from workbench.api import deepl, deepl_documents, deepl_glossaries, libretranslate
from workbench.api.base import ApiHandler, NotFoundHandler
from workbench.api.openapi import docs_routes
from workbench.api.service import ApiServices

ROUTES: list[tuple[str, type[ApiHandler]]] = [
    (r"/v2/translate", deepl.TranslateHandler),
    (r"/v2/languages", deepl.LanguagesHandler),
    (r"/v2/usage", deepl.UsageHandler),
    # DeepL's glossaries, over the key owner's workbench glossaries
    (r"/v2/glossaries", deepl_glossaries.GlossariesHandler),
    (r"/v2/glossaries/([^/]+)", deepl_glossaries.GlossaryHandler),
    (r"/v2/glossaries/([^/]+)/entries", deepl_glossaries.GlossaryEntriesHandler),
    (r"/v2/glossary-language-pairs", deepl_glossaries.GlossaryLanguagePairsHandler),
    # DeepL's document translation, as workbench jobs
    (r"/v2/document", deepl_documents.DocumentUploadHandler),
    (rf"/v2/document/{deepl_documents.DOCUMENT_ID}", deepl_documents.DocumentStatusHandler),
    (rf"/v2/document/{deepl_documents.DOCUMENT_ID}/result", deepl_documents.DocumentResultHandler),
    # LibreTranslate
    (r"/translate", libretranslate.TranslateHandler),
    (r"/languages", libretranslate.LanguagesHandler),
    (r"/detect", libretranslate.DetectHandler),
    (r"/translate_file", libretranslate.TranslateFileHandler),
    (r"/download_file/([^/]+)/([^/]+)/([^/]+)/([^/]+)", libretranslate.DownloadFileHandler),
    (r"/frontend/settings", libretranslate.FrontendSettingsHandler),
]


def api_handlers(services: ApiServices) -> list[tuple[Any, ...]]:
    """Tornado routes for every API endpoint, sharing ``services``, and the API's
    description (``/openapi.json``, ``/docs``)."""
    return [
        *((route, handler, {"services": services}) for route, handler in ROUTES),
        *docs_routes(),
    ]


def make_app(services: ApiServices) -> web.Application:
    """An application serving the API alone: no cookies, no XSRF, JSON 404 elsewhere."""
    return web.Application(
        api_handlers(services),
        default_handler_class=NotFoundHandler,
        default_handler_args={"services": services},
        xsrf_cookies=False,
    )

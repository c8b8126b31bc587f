"""The workbench's HTTP API, DeepL v2 and LibreTranslate compatible, on the workbench's
keys, tiers, quotas and rate limits.

- :mod:`.app`: the routes (:func:`~.app.api_handlers`) and an API-only application;
- :mod:`.base`: what every handler shares (bounded bodies, parameters, JSON errors);
- :mod:`.auth`: the API key of a request and its owner;
- :mod:`.service`: the one pipeline (provider choice, translation through the engine);
- :mod:`.markup`: tagged texts (``tag_handling``) as canonical segments and back;
- :mod:`.errors`: the workbench's errors as statuses and messages;
- :mod:`.deepl`: DeepL's endpoints; :mod:`.command`: ``workbench api``;
- :mod:`.documents`: files sent to the API, as jobs (documents on the worker queue);
  :mod:`.deepl_documents`: DeepL's ``/v2/document`` endpoints for them;
  :mod:`.upload_form`: the bounded form a file comes in;
- :mod:`.glossaries`: the glossaries a key reaches; :mod:`.deepl_glossaries`: DeepL's
  glossary endpoints over them;
- :mod:`.libretranslate`: LibreTranslate's endpoints; :mod:`.files`: the links that serve
  a translated file;
- :mod:`.openapi`: the API's description, ``/openapi.json`` and ``/docs``.
"""

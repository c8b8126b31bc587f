"""The workbench's HTTP API: DeepL v2 compatible, on the workbench's keys, tiers and quotas.

- :mod:`.app`: the routes (:func:`~.app.api_handlers`) and an API-only application;
- :mod:`.base`: what every handler shares (bounded bodies, parameters, JSON errors);
- :mod:`.auth`: the API key of a request and its owner;
- :mod:`.service`: the one pipeline (provider choice, translation through the engine);
- :mod:`.markup`: tagged texts (``tag_handling``) as canonical segments and back;
- :mod:`.errors`: the workbench's errors as statuses and messages;
- :mod:`.deepl`: DeepL's endpoints; :mod:`.command`: ``workbench api``;
- :mod:`.glossaries`: the glossaries a key reaches; :mod:`.deepl_glossaries`: DeepL's
  glossary endpoints over them.
"""

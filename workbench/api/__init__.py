"""The workbench's HTTP API: DeepL API v2 and LibreTranslate compatible."""

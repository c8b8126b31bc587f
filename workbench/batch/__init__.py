"""Batch translation: file formats, jobs, translation memory, the engine and the worker."""

"""Provider choices for the Translate page, and its side-by-side comparison of providers.

Which providers a user may pick is their effective tier's list; among those, a provider
that is not configured is explained rather than offered. Models and languages are
listed live from the provider (a slow or unreachable one falls back to its fixed
choices with a note). The comparison sends a small sample through two to four
provider/model choices, one after the other, each as an ordinary job worked in this
process (:meth:`Engine.translate_now`): the tier, quota and accounting apply as to any
translation, and the wall time of each is what the user waited for it.
"""

from __future__ import annotations

import asyncio
import html
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import ipywidgets as widgets
from babel import Locale, UnknownLocaleError
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.subscriptions import current_subscription
from workbench.batch.engine import Engine, text_translations
from workbench.batch.jobs import JobSpec
from workbench.batch.report import Check
from workbench.config import Settings
from workbench.db.models import JobStatus, Tier
from workbench.errors import WorkbenchError
from workbench.preferences import Preferences
from workbench.providers.languages import Language, common_languages, primary_subtag
from workbench.providers.registry import provider_class, provider_names
from workbench.ui.context import Context
from workbench.ui.i18n import Texts
from workbench.ui.labels import provider_label
from workbench.ui.tables import Head, html_table
from workbench.ui.tasks import Status, Tasks

MAX_SAMPLE = 20
MIN_CHOICES, MAX_CHOICES = 2, 4
LISTING_WAIT = 8.0  # seconds a provider gets to list its models and languages
COMPARE_ORIGIN = "compare"  # ``options["origin"]`` of the jobs a comparison makes


@dataclass(frozen=True)
class ProviderChoice:
    """A provider the user's tier includes, and whether this server can use it."""

    name: str
    configured: bool
    key_env: str | None


@dataclass(frozen=True)
class ProviderChoices:
    tier: Tier
    preferences: Preferences
    usable: tuple[ProviderChoice, ...]  # allowed and configured: offered
    unconfigured: tuple[ProviderChoice, ...]  # allowed but missing a key: explained

    @property
    def names(self) -> list[str]:
        return [choice.name for choice in self.usable]

    def default(self) -> str | None:
        names = self.names
        if self.preferences.default_provider in names:
            return self.preferences.default_provider
        return names[0] if names else None


async def provider_choices(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, preferences: Preferences
) -> ProviderChoices:
    """The providers of the user's effective tier (expired plans fall back), in order."""
    tier = (await current_subscription(session, user_id)).tier
    usable: list[ProviderChoice] = []
    unconfigured: list[ProviderChoice] = []
    for name in provider_names():
        if name not in tier.allowed_providers:
            continue
        cls = provider_class(name)
        choice = ProviderChoice(name, cls.is_configured(settings), cls.key_env)
        (usable if choice.configured else unconfigured).append(choice)
    return ProviderChoices(tier, preferences, tuple(usable), tuple(unconfigured))


def unconfigured_note(texts: Texts, choices: ProviderChoices) -> str:
    """HTML: one line per included provider this server cannot use yet, and why."""
    lines = [
        texts._(
            "{provider}: not configured — set {variable}",
            provider=provider_label(texts, choice.name),
            variable=choice.key_env or "?",
        )
        for choice in choices.unconfigured
    ]
    return "<br>".join(f"<small>{html.escape(line)}</small>" for line in lines)


@dataclass(frozen=True)
class Catalog:
    """What a provider offers: its models and languages, listed live where it can."""

    provider: str
    default_model: str | None
    models: tuple[str, ...]
    sources: tuple[Language, ...]
    targets: tuple[Language, ...]
    problem: str = ""  # why the live listing failed; the fixed choices are shown instead


async def load_catalog(name: str, settings: Settings, *, wait: float = LISTING_WAIT) -> Catalog:
    cls = provider_class(name)
    models: tuple[str, ...] = cls.models
    languages: list[Language] = common_languages()
    problem = ""
    try:
        provider = cls.from_settings(settings, timeout=wait)
    except WorkbenchError as error:
        problem = str(error)
    else:
        try:
            async with asyncio.timeout(wait):
                models = tuple(await provider.list_models())
                languages = await provider.list_languages()
        except TimeoutError:
            problem = f"{name}: no answer within {wait:g} s"
        except WorkbenchError as error:
            problem = str(error)
        finally:
            await provider.aclose()
    return Catalog(
        provider=name,
        default_model=cls.default_model,
        models=models,
        sources=tuple(language for language in languages if language.source),
        targets=tuple(language for language in languages if language.target),
        problem=problem,
    )


def model_options(
    texts: Texts, catalog: Catalog, preferred: str = ""
) -> tuple[list[tuple[str, str]], str]:
    """Dropdown options and the value to select. ``""`` is the provider's own default,
    as the CLI and notebooks spell it (so their translation memory is shared)."""
    default = catalog.default_model
    options = [
        (
            texts._("{model} (default)", model=default)
            if default
            else texts._("The provider's default"),
            "",
        )
    ]
    listed = [model for model in catalog.models if model and model != default]
    if preferred and preferred != default and preferred not in listed:
        listed.insert(0, preferred)  # an admin's default the listing did not include
    options.extend((model, model) for model in listed)
    value = preferred if preferred and preferred != default else ""
    return options, value


@lru_cache
def _language_names(lang: str) -> dict[str, str]:
    try:
        return {str(code): str(name) for code, name in Locale.parse(lang).languages.items()}
    except (UnknownLocaleError, ValueError):
        return {}


def language_name(texts: Texts, language: Language) -> str:
    """``allemand (DE)`` in French: Babel's name in the interface language when it knows one."""
    names = _language_names(texts.lang)
    name = names.get(language.code.replace("-", "_")) or names.get(primary_subtag(language.code))
    return f"{name or language.name} ({language.code})"


def language_options(texts: Texts, languages: Sequence[Language]) -> list[tuple[str, str]]:
    labelled = [(language_name(texts, language), language.code) for language in languages]
    return sorted(labelled, key=lambda option: option[0].casefold())


def closest_code(wanted: str, codes: Sequence[str]) -> str | None:
    """``wanted`` as spelled in ``codes``, else the first code of the same language."""
    if not wanted:
        return None
    for code in codes:
        if code.lower() == wanted.lower():
            return code
    same = [code for code in codes if primary_subtag(code) == primary_subtag(wanted)]
    return sorted(same)[0] if same else None


@dataclass
class Outcome:
    """One choice's result on the sample."""

    provider: str
    model: str
    translations: list[str] = field(default_factory=list)
    characters: int = 0  # billed: sent to the provider (memory hits cost nothing)
    from_memory: int = 0
    seconds: float = 0.0
    qa_issues: int | None = None  # None without a glossary
    error: str = ""


@dataclass(frozen=True)
class Pair:
    """The languages and glossary the comparison uses (chosen on the page above it)."""

    source_lang: str
    target_lang: str
    glossary_id: uuid.UUID | None


class _ChoiceRow:
    def __init__(self, panel: ComparePanel) -> None:
        t = panel.t
        self.provider = widgets.Dropdown(description=t._("Provider"))
        self.provider.add_class("wb-compare-provider")
        self.model = widgets.Dropdown(description=t._("Model"))
        self.model.add_class("wb-compare-model")
        self.remove = widgets.Button(description=t._("Remove"), icon="minus")
        self.remove.add_class("wb-compare-remove")
        self.widget = widgets.HBox([self.provider, self.model, self.remove])
        self.listing = 0  # the latest model listing asked for


class ComparePanel:
    """The "compare providers" section; shares the page's status area and tasks."""

    def __init__(
        self,
        ctx: Context,
        status: Status,
        tasks: Tasks,
        pair: Callable[[], Pair],
        after: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """``pair`` reads the page's languages and glossary; ``after`` runs after each
        comparison (the page refreshes its job history)."""
        self.ctx = ctx
        self._after = after
        self.t = t = ctx.texts
        self.status = status
        self.tasks = tasks
        self._pair = pair
        self.choices: ProviderChoices | None = None
        self.outcomes: list[Outcome] = []
        self.segments: list[str] = []
        # build
        self.sample = widgets.Textarea(
            description=t._("Sample"),
            placeholder=t._("One segment per line, at most {count}.", count=MAX_SAMPLE),
            layout=widgets.Layout(width="100%", height="9em"),
        )
        self.sample.add_class("wb-compare-text")
        self.rows: list[_ChoiceRow] = []
        self.rows_box = widgets.VBox()
        self.add = widgets.Button(description=t._("Add a choice"), icon="plus")
        self.add.add_class("wb-compare-add")
        self.run = widgets.Button(description=t._("Compare"), button_style="primary")
        self.run.add_class("wb-compare-run")
        self.table = widgets.HTML()
        self.table.add_class("wb-compare-table")
        # layout
        intro = widgets.HTML(
            "<h3>"
            + html.escape(t._("Compare providers"))
            + "</h3><p>"
            + html.escape(
                t._(
                    "Translate a short sample with two to four providers or models, side "
                    "by side, into the languages chosen above. It counts against your quota "
                    "like any translation."
                )
            )
            + "</p>"
        )
        self.widget = widgets.VBox(
            [intro, self.sample, self.rows_box, widgets.HBox([self.add, self.run]), self.table]
        )
        self.widget.add_class("wb-compare")
        # wire
        self.add.on_click(lambda _button: self._add_row())
        self.run.on_click(tasks.on_click(self._compare))

    # --- handlers --------------------------------------------------------------------------

    def offer(self, choices: ProviderChoices) -> None:
        """Show the providers the user may use; two rows to start with."""
        self.choices = choices
        for row in self.rows:
            row.provider.options = self._provider_options()
        while len(self.rows) < MIN_CHOICES:
            self._add_row()
        self._update_buttons()

    def _provider_options(self) -> list[tuple[str, str]]:
        names = self.choices.names if self.choices is not None else []
        return [(provider_label(self.t, name), name) for name in names]

    def _add_row(self) -> None:
        if len(self.rows) >= MAX_CHOICES:
            return
        row = _ChoiceRow(self)
        options = self._provider_options()
        row.provider.options = options
        if options:
            # A new row starts on a provider the other rows do not use yet, when there is one.
            used = {other.provider.value for other in self.rows}
            fresh = [value for _label, value in options if value not in used]
            row.provider.value = fresh[0] if fresh else options[0][1]

        async def chosen(_name: str) -> None:
            await self._list_models(row)

        row.provider.observe(self.tasks.on_change(chosen), names="value")
        row.remove.on_click(lambda _button, row=row: self._remove_row(row))
        self.rows.append(row)
        self.rows_box.children = tuple(r.widget for r in self.rows)
        self._update_buttons()
        if row.provider.value:
            self.tasks.run(self._list_models(row))

    def _remove_row(self, row: _ChoiceRow) -> None:
        if len(self.rows) <= MIN_CHOICES or row not in self.rows:
            return
        self.rows.remove(row)
        self.rows_box.children = tuple(r.widget for r in self.rows)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.add.disabled = len(self.rows) >= MAX_CHOICES
        for row in self.rows:
            row.remove.disabled = len(self.rows) <= MIN_CHOICES

    async def _list_models(self, row: _ChoiceRow) -> None:
        name = row.provider.value
        if not name or self.choices is None:
            return
        row.listing += 1
        ticket = row.listing
        row.model.disabled = True
        catalog = await load_catalog(name, self.ctx.settings)
        if ticket != row.listing:  # the provider was changed again meanwhile
            return
        prefs = self.choices.preferences
        preferred = prefs.default_model if name == prefs.default_provider else ""
        options, value = model_options(self.t, catalog, preferred)
        row.model.options = options
        row.model.value = value
        row.model.disabled = len(options) < 2

    async def _compare(self) -> None:
        t = self.t
        segments = [line.strip() for line in self.sample.value.splitlines() if line.strip()]
        if not segments:
            self.status.error(t._("Paste a sample to compare: one segment per line."))
            return
        if len(segments) > MAX_SAMPLE:
            self.status.error(
                t._(
                    "The sample has {count} segments; compare at most {limit} at a time.",
                    count=len(segments),
                    limit=MAX_SAMPLE,
                )
            )
            return
        chosen = [(row.provider.value, row.model.value or "") for row in self.rows]
        if len(chosen) < MIN_CHOICES or not all(name for name, _model in chosen):
            self.status.error(t._("Choose at least two providers to compare."))
            return
        pair = self._pair()
        if not pair.target_lang:
            self.status.error(t._("Choose the language to translate into."))
            return
        self.status.show(t._("Comparing {count} choices…", count=len(chosen)))
        outcomes = []
        async with Engine(self.ctx.db, self.ctx.settings) as engine:
            for name, model in chosen:
                outcomes.append(await self._one(engine, name, model, pair, segments))
        self.segments, self.outcomes = segments, outcomes
        self.table.value = self._render()
        if self._after is not None:
            await self._after()
        failed = sum(1 for outcome in outcomes if outcome.error)
        if failed:
            self.status.error(t._("{count} of the choices failed; see the table.", count=failed))
        else:
            self.status.ok(t._("Comparison done."))

    async def _one(
        self, engine: Engine, name: str, model: str, pair: Pair, segments: list[str]
    ) -> Outcome:
        outcome = Outcome(name, model)
        spec = JobSpec(
            provider=name,
            target_lang=pair.target_lang,
            source_lang=pair.source_lang,
            model=model,
            user_id=self.ctx.user.id,
            glossary_id=pair.glossary_id,
            options={"origin": COMPARE_ORIGIN},
        )
        started = time.perf_counter()
        try:
            job = await engine.translate_now(spec, segments)
        except WorkbenchError as error:
            outcome.error = str(error)
            return outcome
        finally:
            outcome.seconds = time.perf_counter() - started
        if job.status is not JobStatus.COMPLETED:
            outcome.error = job.error or self.t._("The translation did not complete.")
            return outcome
        async with self.ctx.db.session() as session:
            found = await text_translations(session, job.id)
        outcome.translations = [found[text][0] if text in found else text for text in segments]
        outcome.characters = job.billed_characters
        outcome.from_memory = job.memory_hits
        if pair.glossary_id is not None:
            rows = job.qa_report or []
            outcome.qa_issues = sum(row["check"] == Check.GLOSSARY for row in rows)
        return outcome

    def _render(self) -> str:
        t = self.t
        heads = [t._("No."), t._("Source")]
        for outcome in self.outcomes:
            label = provider_label(t, outcome.provider)
            if outcome.model:
                label += f" · {outcome.model}"
            heads.append(label)
        rows = []
        for index, segment in enumerate(self.segments):
            cells = [str(index + 1), segment]
            for outcome in self.outcomes:
                cells.append("–" if outcome.error else outcome.translations[index])
            rows.append(cells)
        footer: list[tuple[str, list[str]]] = [
            (
                t._("Characters billed"),
                [t.number(outcome.characters) for outcome in self.outcomes],
            ),
            (
                t._("From memory"),
                [t.number(outcome.from_memory) for outcome in self.outcomes],
            ),
            (
                t._("Latency"),
                [t._("{seconds} s", seconds=t.number(o.seconds, 2)) for o in self.outcomes],
            ),
        ]
        if any(outcome.qa_issues is not None for outcome in self.outcomes):
            footer.append(
                (
                    t._("Glossary QA issues"),
                    [
                        t.number(o.qa_issues) if o.qa_issues is not None else "–"
                        for o in self.outcomes
                    ],
                )
            )
        if any(outcome.error for outcome in self.outcomes):
            footer.append((t._("Error"), [outcome.error for outcome in self.outcomes]))
        summary = {"class": "wb-compare-summary"}
        return html_table(
            heads,
            [*rows, *([Head(""), Head(label), *values] for label, values in footer)],
            css_class="wb-compare-result",
            row_attributes=[None] * len(rows) + [summary] * len(footer),
        )

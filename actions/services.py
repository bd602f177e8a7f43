"""The action server's composition root: its settings and the services every action is built with.

The site file (offices, emergency numbers) is read at start, so emergencies are answered at
once; the knowledge index loads in a background thread (embedding what changed), and questions
wait for it briefly. Nothing here runs at import time.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.knowledge.embedders import DEFAULT_EMBEDDER
from bot.knowledge.index import build_index
from bot.knowledge.loader import KnowledgeBase, KnowledgeBaseError, load, load_countries, load_site
from bot.knowledge.retrieval import Retriever
from bot.knowledge.schema import Country, Site
from bot.paths import KB_INDEX, KNOWLEDGE_BASE, ROOT, SITE_FILE
from bot.rasa_ext.personal import personal_lexicon
from bot.rasa_ext.phrases import PhraseLexicon

logger = logging.getLogger(__name__)


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ROOT / ".env", env_file_encoding="utf-8", extra="ignore")

    knowledge_dir: Path = KNOWLEDGE_BASE
    site_file: Path = SITE_FILE
    kb_index_dir: Path = KB_INDEX
    kb_embedder: str = DEFAULT_EMBEDDER
    action_server_port: int = 5055
    index_wait_seconds: float = 30.0  # how long a question waits for the index while it loads


def content_stamp(root: Path) -> tuple[int, float]:
    """Cheap fingerprint of the content files: how many, and the newest modification time."""
    files = list(root.rglob("*.yml"))
    return len(files), max((f.stat().st_mtime for f in files), default=0.0)


@dataclass(frozen=True)
class Loaded:
    kb: KnowledgeBase
    retriever: Retriever
    stamp: tuple[int, float]


class KnowledgeService:
    """The content and its index. Reloaded when the content files change (the index is rebuilt
    incrementally) or someone else rebuilt the index; checked at most every `CHECK_EVERY`
    seconds. Invalid content keeps the last good one."""

    CHECK_EVERY = 5.0

    def __init__(self, settings: ActionSettings) -> None:
        self.settings = settings
        self._loaded: Loaded | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._checked_at = 0.0

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._load, name="knowledge-index", daemon=True)
        thread.start()
        return thread

    def _load(self) -> None:
        s = self.settings
        started = time.monotonic()
        stamp = content_stamp(s.knowledge_dir)
        kb = load(s.knowledge_dir, s.site_file)
        build_index(kb, s.kb_index_dir, s.kb_embedder)
        self._loaded = Loaded(kb, Retriever(s.kb_index_dir), stamp)
        self._checked_at = time.monotonic()
        self._ready.set()
        logger.info("knowledge index ready in %.1f s", time.monotonic() - started)

    def wait(self, timeout: float | None = None) -> Loaded | None:
        """The loaded content (refreshed when due), or None if it is not ready within `timeout`."""
        if not self._ready.wait(self.settings.index_wait_seconds if timeout is None else timeout):
            return None
        with self._lock:
            if time.monotonic() - self._checked_at >= self.CHECK_EVERY:
                self._refresh()
        return self._loaded

    def _refresh(self) -> None:
        assert self._loaded is not None
        self._checked_at = time.monotonic()
        s, current = self.settings, self._loaded
        stamp = content_stamp(s.knowledge_dir)
        if stamp != current.stamp:
            try:
                kb = load(s.knowledge_dir, s.site_file)
            except KnowledgeBaseError:
                logger.exception("the changed knowledge base does not validate; keeping the last good one")
                return
            build_index(kb, s.kb_index_dir, s.kb_embedder)
            current.retriever.reload_if_changed()
            self._loaded = Loaded(kb, current.retriever, stamp)
        elif current.retriever.reload_if_changed():  # someone else rebuilt the index
            self._loaded = Loaded(load(s.knowledge_dir, s.site_file), current.retriever, stamp)
            logger.info("knowledge base reloaded: %s", current.retriever.manifest)


@dataclass(frozen=True)
class ActionServices:
    site: Site  # read at start: emergencies never wait for the index
    knowledge: KnowledgeService
    countries: dict[str, Country]  # ISO code -> free movement or not (knowledge_base/reference/countries.yml)
    personal: PhraseLexicon  # a refusal, a deportation letter, an expired permit ...: a person answers


def start_services(settings: ActionSettings, *, load_index: bool = True) -> ActionServices:
    services = ActionServices(load_site(settings.site_file), KnowledgeService(settings),
                              load_countries(settings.knowledge_dir), personal_lexicon())
    if load_index:
        services.knowledge.start()
    return services

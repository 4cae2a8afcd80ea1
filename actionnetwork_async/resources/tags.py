"""``an.tags``: tags, the taggings that put them on people, and a person -> tag names index.

A tagging names neither its tag nor its person: it links to both
(https://actionnetwork.org/docs/v2/taggings). So which tags a person has takes the person's
taggings plus each tag's name; the names are read once, in one walk over the tags, and kept by
the facade. ``index()`` answers it for everybody at once by walking each tag's taggings: about
one request per 25 taggings (and one per tag), instead of one or more per person.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence

from .._bodies import background_params, check_id, listed, tag_list
from ..errors import ConfigurationError
from ..models import Notice, Person, Tag, Tagging
from ..pagination import Stream
from ._declare import TAGS_REL
from .base import Collection, Context, Ref, _id_of, write
from .records import Nested, RecordKind, nested

__all__ = ["TAGGINGS", "TAGS_REL", "Taggings", "Tags"]

#: The taggings of a tag, and of a person (https://actionnetwork.org/docs/v2/taggings).
TAGGINGS = RecordKind("osdi:taggings", Tagging)


class Taggings(Nested[Tag, Tagging]):
    """The taggings of each tag: one per person carrying it."""

    @write
    async def create(
        self, background: bool, /, tag: Ref[Tag], person: Ref[Person]
    ) -> Tagging | None:
        """Put a tag on a person. The API keeps one tagging per person and tag, so a re-sent
        POST cannot tag twice."""
        href = await self._parents._person_url(person)
        created = await self._parents.hal.post(
            await self._url(tag),
            {"_links": {"osdi:person": {"href": href}}},
            params=background_params(background),
            idempotent=True,
            expect=None if background else "resource",
        )
        return None if background or created is None else Tagging.from_resource(created)

    @write
    async def delete(
        self, background: bool, /, tag: Ref[Tag], tagging: Ref[Tagging]
    ) -> Notice | None:
        """Take a tag off a person: DELETE the tagging, at its place under the tag (whatever
        collection the tagging was read from). Returns the API's notice."""
        url = f"{(await self._url(tag)).rstrip('/')}/{check_id(_id_of(tagging))}"
        answer = await self._parents.hal.delete(url, params=background_params(background))
        return None if background else Notice.of(answer)


class Tags(Collection[Tag]):
    """The tags of the API key's group (group keys only). Tags cannot be edited or deleted
    over the API; taggings can be added and deleted."""

    #: The taggings of each tag.
    taggings = nested(Taggings, TAGGINGS)

    def __init__(self, context: Context, rel: str, model: type[Tag]) -> None:
        super().__init__(context, rel, model)
        self._tags: dict[str, Tag] = {}  # id -> the tag, as last read
        self._ids: dict[str, str] = {}  # name -> tag id
        self._loaded = False
        self._loading = asyncio.Lock()
        self._ensuring = asyncio.Lock()

    def list(self) -> Stream[Tag]:
        """Stream every tag (the API takes no filter here). The names seen are remembered."""
        return self._models(self._stream_collection()).map(self._remember)

    async def create(self, name: str) -> Tag:
        """POST a new tag. Use ``find_or_create`` to reuse one of the same name."""
        _check_name(name)
        created = await self.hal.post(
            await self._collection_url(), {"name": name}, expect="resource"
        )
        return self._remember(Tag.from_resource(created))

    async def find(self, name: str) -> Tag | None:
        """The tag with exactly this name, or None. The tags are walked once and remembered; a
        name not among them is looked for again in a fresh walk (it may be new)."""
        _check_name(name)
        walked = not self._loaded
        await self._load()
        if name not in self._ids and not walked:
            await self._load(again=True)
        tag_id = self._ids.get(name)
        return None if tag_id is None else self._tags[tag_id]

    async def find_or_create(self, name: str) -> Tag:
        """The tag with exactly this name, created if there is none."""
        found = await self.find(name)
        return found if found is not None else await self.create(name)

    async def ensure(self, names: Iterable[str]) -> builtins.list[Tag]:
        """The tags of these names, the ones the group lacks created first.

        A helper's ``add_tags`` names only tags that exist: "If not, the tag will be ignored"
        (https://actionnetwork.org/docs/v2/person_signup_helper), so the person is silently
        left untagged. The group's tag names are read once per client and kept; a name not
        among them is created through the tags collection (``POST``), once, even when many
        writes ask for it at the same time.
        """
        wanted = list(dict.fromkeys(tag_list(names, "names")))
        async with self._ensuring:
            await self._load()
            for name in wanted:
                if name not in self._ids:
                    await self.create(name)
        return [self._tags[self._ids[name]] for name in wanted]

    def person_ids(self, tag: Ref[Tag]) -> Stream[str]:
        """The ids of the people carrying a tag, read from its taggings' links."""
        taggings = self.taggings.list(tag)

        async def ids() -> AsyncGenerator[Sequence[str], None]:
            try:
                async for batch in taggings.batches():
                    yield [found for tagging in batch if (found := tagging.person_id)]
            finally:
                await taggings.aclose()

        return Stream(ids())

    # -- names and the index -------------------------------------------------------------------
    async def names_of(self, tag_ids: Iterable[str]) -> builtins.list[str]:
        """The names of these tags, sorted."""
        return sorted([await self.name_of(tag_id) for tag_id in listed(tag_ids, "tag_ids")])

    async def name_of(self, tag_id: str) -> str:
        """A tag's name: from the tags walked once per client, or read if it is newer."""
        if not isinstance(tag_id, str):
            raise ConfigurationError(f"a tag id is a string, got a {type(tag_id).__name__}")
        await self._load()
        if tag_id not in self._tags:
            self._remember(await self.get(tag_id))
        return self._tags[tag_id].name or ""

    async def index(
        self, *, progress: Callable[[int], object] | None = None
    ) -> dict[str, builtins.list[str]]:
        """Every tagged person's id -> the names of their tags (sorted), in one walk over the
        tags and their taggings: ``ceil(tags / 25)`` requests for the tags, then
        ``ceil(taggings / 25)`` for each tag (at least one), several tags at a time under the
        client's one limiter. For an export of people with their tags, this replaces one or
        more requests per person. ``progress(n)`` is called with the taggings of each page
        read.
        """
        if progress is not None and not callable(progress):
            raise ConfigurationError(f"progress must be a function of one int, got {progress!r}")
        tags = [tag async for tag in self.list()]
        self._loaded = True
        found: dict[str, set[str]] = {}
        slots = asyncio.Semaphore(self.hal.prefetch)

        async def walk(tag: Tag) -> None:
            async with slots:
                name = tag.name or ""
                async with self.taggings.list(tag) as taggings:
                    async for batch in taggings.batches():
                        for tagging in batch:
                            if person_id := tagging.person_id:
                                found.setdefault(person_id, set()).add(name)
                        if progress is not None:
                            progress(len(batch))

        tasks = [asyncio.ensure_future(walk(tag)) for tag in tags]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return {person: sorted(names) for person, names in found.items()}

    async def _load(self, *, again: bool = False) -> None:
        """Read every tag's name (a walk over the tags): once, or ``again``."""
        if self._loaded and not again:
            return
        async with self._loading:
            if again or not self._loaded:
                async for _ in self.list():
                    pass
                self._loaded = True

    def _remember(self, tag: Tag) -> Tag:
        if tag.id and tag.name is not None:
            self._tags[tag.id] = tag
            self._ids.setdefault(tag.name, tag.id)
        return tag


def _check_name(name: object) -> None:
    """A tag name: a non-empty string."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError(f"a tag name is a non-empty string, got {name!r}")

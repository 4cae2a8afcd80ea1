"""One declaration per resource: the catalog's line is what the client, the blocking twin, the
command line and the reference know of a collection."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from actionnetwork_async import ActionNetwork
from actionnetwork_async.cli import getters
from actionnetwork_async.cli.export import KINDS, cli_name
from actionnetwork_async.resources.base import Collection, Declared
from actionnetwork_async.resources.catalog import Catalog
from actionnetwork_async.sync import ActionNetwork as Blocking

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "actionnetwork_async"


def declared() -> dict[str, Declared[object]]:
    found = Catalog.declared()
    assert {"people", "petitions", "campaigns", "unique_id_lists"} <= set(found)  # control
    return found


def test_every_declared_collection_is_on_both_clients_the_cli_and_the_reference() -> None:
    an = ActionNetwork("catalog-key", base_url="http://127.0.0.1:9/api/v2/")
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    table = hooks.catalog_table()
    with Blocking("catalog-key", base_url="http://127.0.0.1:9/api/v2/") as blocking:
        for name, line in declared().items():
            facade = getattr(an, name)
            assert isinstance(facade, line.kind)  # type: ignore[arg-type]
            assert facade is getattr(an, name)  # one per client
            assert type(getattr(blocking, name)).__name__ == type(facade).__name__
            assert f"`an.{name}`" in table
            if isinstance(facade, Collection):
                assert cli_name(name) in getters()
                assert cli_name(name) in KINDS
    assert sorted(KINDS) == sorted(getters())  # export takes what get reads


def test_the_client_names_no_resource_of_its_own() -> None:
    """client.py builds no facade: it is a Catalog, so a new collection is not added there."""
    source = (PACKAGE / "client.py").read_text()
    for name, line in declared().items():
        assert not re.search(rf"\b{line.model.__name__}\b", source), name
        assert not re.search(rf"self\.{name}\b", source), name


def test_a_read_only_resource_is_its_model_and_its_declaration() -> None:
    """Campaigns, read only, are named in three hand-written files of the client: the model's,
    the models' exports and the catalog (the emulator keeps its own registry, on purpose)."""
    mentioned = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "testing" not in path.parts
        and path.name != "_generated.py"
        and re.search(r"\bCampaign\b", path.read_text())
    )
    assert mentioned == ["models/__init__.py", "models/actions.py", "resources/catalog.py"]

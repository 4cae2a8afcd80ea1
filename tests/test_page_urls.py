"""Pure page-URL arithmetic used to decide when pages can be prefetched."""

from __future__ import annotations

from actionnetwork_async.pagination import page_number, successor_page, with_page

P = "https://actionnetwork.org/api/v2/people"


def test_successor_when_only_page_differs() -> None:
    assert successor_page(P, P + "?page=2") == 2
    assert successor_page(P + "?page=2&per_page=10", P + "?per_page=10&page=3") == 3
    assert successor_page(P + "/", P + "?page=2") == 2


def test_no_successor_when_anything_else_differs_or_page_skips() -> None:
    assert successor_page(P, P + "?page=3") is None
    assert successor_page(P + "?per_page=10", P + "?page=2") is None
    assert successor_page(P, "https://actionnetwork.org/api/v2/events?page=2") is None
    assert successor_page(P, P + "?cursor=abc") is None
    assert successor_page(P + "?page=x", P + "?page=2") is None


def test_document_page_number_is_used_when_the_url_has_none() -> None:
    assert successor_page(P, P + "?page=6", current_page=5) == 6


def test_with_page_keeps_other_parameters() -> None:
    url = with_page(P + "?filter=a%20eq%201&page=2", 7)
    assert page_number(url) == 7
    assert url == P + "?filter=a%20eq%201&page=7"


def test_with_page_is_with_query_even_for_a_url_holding_its_marker() -> None:
    # with_page fills a template made by writing a marker as the page; a URL whose fragment
    # holds that marker does not fit one, and is built the long way
    from actionnetwork_async.pagination import _MARK, with_query

    for url in (P + f"?a=1#{_MARK}", P + f"/{_MARK}?page=3", P + f"?x={_MARK}"):
        for page in (1, 7):
            assert with_page(url, page) == with_query(url, {"page": page})
            assert with_page(with_page(url, page), page + 1) == with_query(url, {"page": page + 1})

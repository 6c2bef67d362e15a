"""Long lists on the nurses' pages: a page at a time, and searched by their words."""

from core.review.pages import MAX_PER_PAGE, matching, page_slice, paginate


def test_pages_hold_every_item_once_in_order():
    items = list(range(7))
    pages = [paginate(items, number, 3) for number in (1, 2, 3)]
    assert [list(page.items) for page in pages] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [(page.previous, page.next) for page in pages] == [(None, 2), (1, 3), (2, None)]
    assert {(page.pages, page.total) for page in pages} == {(3, 7)}


def test_a_page_past_either_end_gives_the_nearest_and_sizes_are_bounded():
    assert paginate(list(range(7)), 99, 3).number == 3
    assert paginate(list(range(7)), 0, 3).number == 1
    assert paginate([], 1).pages == 1 and not paginate([], 1).items
    assert len(paginate(list(range(1000)), 1, 10_000).items) == MAX_PER_PAGE
    assert len(paginate(list(range(5)), 1, 0).items) == 1


def test_search_wants_every_word_in_any_case_and_order():
    said = ["Will the DYE hurt?", "how long does it take", "does the dye test hurt much"]
    assert matching(said, "hurt dye", str) == ["Will the DYE hurt?", "does the dye test hurt much"]
    assert matching(said, "", str) == said
    assert matching(said, "biopsy", str) == []


def test_the_database_reads_the_slice_a_list_would_give():
    items = list(range(23))
    for number in (0, 1, 3, 9):
        assert items[page_slice(len(items), number, 10)[2]] == list(
            paginate(items, number, 10).items
        )
    # Before the total is known (it comes with the page's rows): the page asked for.
    assert page_slice(None, 4, 10) == (4, 4, slice(30, 40))
    assert page_slice(None, 0, 10) == (1, 1, slice(0, 10))

"""Who reviews which plan: nobody their own cooperative's, nobody twice, k each when there are
enough plans, the reviews spread as evenly as the groups allow, and late submitters only add."""

from __future__ import annotations

from itertools import combinations, product

from elearn_workshop.peer.allocation import allocate
from hypothesis import given, settings
from hypothesis import strategies as st


def groups_to_plans(sizes: list[int]) -> dict[int, frozenset[int]]:
    """Plan 101 by users 1…sizes[0], plan 102 by the next sizes[1] users, …"""
    plans, user = {}, 1
    for index, size in enumerate(sizes):
        plans[101 + index] = frozenset(range(user, user + size))
        user += size
    return plans


def loads(plans, allocation):
    return {plan: sum(plan in found for found in allocation.values()) for plan in plans}


def check_rules(plans, k, allocation, existing=None):
    existing = existing or {}
    authors = {author for found in plans.values() for author in found}
    assert authors <= set(allocation)
    for reviewer, found in allocation.items():
        assert len(found) == len(set(found)), "a plan twice"
        assert set(existing.get(reviewer, ())) <= set(found), "an existing review removed"
        added = set(found) - set(existing.get(reviewer, ()))
        assert all(plan in plans and reviewer not in plans[plan] for plan in added), "a plan they wrote"
        if reviewer in authors:
            allowed = {plan for plan, found_authors in plans.items() if reviewer not in found_authors}
            counted = len(set(found) & allowed)
            assert counted == max(min(k, len(allowed)), len(set(existing.get(reviewer, ())) & allowed))


def test_three_plans_and_k_3_each_reviews_the_two_others():
    plans = groups_to_plans([1, 1, 1])
    allocation = allocate(plans, 3, seed=7)
    assert allocation == {1: [102, 103], 2: [101, 103], 3: [101, 102]}


def test_with_one_plan_nobody_can_review():
    assert allocate({101: frozenset({1, 2})}, 3, seed=1) == {1: [], 2: []}
    assert allocate({}, 3) == {}


def test_co_authors_review_the_other_cooperatives_plans_evenly():
    plans = groups_to_plans([2, 1, 3, 1, 2])  # 9 learners in 5 cooperatives
    allocation = allocate(plans, 2, seed=3)
    check_rules(plans, 2, allocation)
    assert all(len(found) == 2 for found in allocation.values())
    assert sorted(loads(plans, allocation).values()) == [3, 3, 4, 4, 4]  # 18 reviews over 5 plans


def test_a_large_cooperative_gets_only_the_reviews_there_are_people_for():
    plans = {1: frozenset(range(10, 20)), 2: frozenset({20}), 3: frozenset({30})}
    allocation = allocate(plans, 2, seed=1)
    assert loads(plans, allocation) == {1: 2, 2: 11, 3: 11}


def test_the_same_seed_gives_the_same_allocation_and_another_seed_may_not():
    plans = groups_to_plans([1] * 8)
    assert allocate(plans, 3, seed=42) == allocate(plans, 3, seed=42)
    assert len({str(allocate(plans, 3, seed=seed)) for seed in range(10)}) > 1


def test_a_late_submitter_reviews_and_is_reviewed_without_anyone_losing_a_plan():
    early = groups_to_plans([1, 1, 1, 1])
    first = allocate(early, 2, seed=5)
    late = {**early, 105: frozenset({5}), 106: frozenset({6})}
    second = allocate(late, 2, existing={r: set(found) for r, found in first.items()}, seed=5)
    check_rules(late, 2, second, first)
    assert all(second[r] == first[r] for r in first)  # they had 2 already
    assert len(second[5]) == len(second[6]) == 2
    assert loads(late, second)[105] == loads(late, second)[106] == 1  # the two late ones review each other


def test_existing_pairs_are_kept_even_when_the_rules_have_changed():
    plans = {101: frozenset({1, 2}), 102: frozenset({3}), 103: frozenset({4})}
    existing = {2: {102, 999}, 3: {101, 103}, 7: {101}}  # 999 withdrawn; 7 no longer submits
    allocation = allocate(plans, 2, existing=existing, seed=2)
    check_rules(plans, 2, allocation, existing)
    assert allocation[7] == [101] and allocation[2] == [102, 103, 999] and allocation[3] == [101, 103]


def water_filling(plans, found_loads) -> bool:
    everyone = {author for found in plans.values() for author in found}
    may = {plan: len(everyone - authors) for plan, authors in plans.items()}
    return any(all(found_loads[p] == may[p] if may[p] <= t else found_loads[p] in (t, t + 1) for p in plans)
               for t in range(max(found_loads.values(), default=0) + 1))


@settings(max_examples=300, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=9), k=st.integers(1, 6), seed=st.integers(0, 10**6))
def test_any_cooperatives_get_the_evenest_spread_the_groups_allow(sizes, k, seed):
    plans = groups_to_plans(sizes)
    allocation = allocate(plans, k, seed=seed)
    check_rules(plans, k, allocation)
    assert all(len(found) == min(k, len(plans) - 1) for found in allocation.values())
    found_loads = loads(plans, allocation)
    assert water_filling(plans, found_loads), (sizes, k, found_loads)
    if len(plans) >= k + 1:
        assert min(found_loads.values()) >= k
    assert allocate(plans, k, seed=seed) == allocation


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=9), late=st.integers(1, 4), k=st.integers(1, 5),
       seed=st.integers(0, 10**6))
def test_late_submitters_only_add_reviews(sizes, late, k, seed):
    plans = groups_to_plans(sizes)
    early = dict(list(plans.items())[:max(1, len(plans) - late)])
    first = allocate(early, k, seed=seed)
    second = allocate(plans, k, existing={r: set(found) for r, found in first.items()}, seed=seed + 1)
    check_rules(plans, k, second, first)


def evenest(plans, k, existing):
    """By brute force: the least (sorted from the largest) load vector of all the allocations."""
    authors = sorted({a for found in plans.values() for a in found})
    choices = []
    for reviewer in authors:
        allowed = [p for p in plans if reviewer not in plans[p]]
        already = existing.get(reviewer, set())
        room = max(0, min(k, len(allowed)) - len(already & set(allowed)))
        choices.append(list(combinations([p for p in allowed if p not in already], room)))
    base = {p: sum(p in found for found in existing.values()) for p in plans}
    best = None
    for pick in product(*choices):
        found = dict(base)
        for chosen in pick:
            for plan in chosen:
                found[plan] += 1
        key = sorted(found.values(), reverse=True)
        best = key if best is None or key < best else best
    return best


@settings(max_examples=300, deadline=None)
@given(data=st.data(), users=st.integers(2, 5), count=st.integers(1, 4), k=st.integers(1, 3))
def test_overlapping_authors_and_existing_pairs_still_get_the_evenest_spread(data, users, count, k):
    plans = {100 + i: frozenset(data.draw(st.sets(st.integers(1, users), min_size=1, max_size=2)))
             for i in range(count)}
    pairs = data.draw(st.sets(st.tuples(st.integers(1, users), st.sampled_from(sorted(plans))), max_size=4))
    existing: dict[int, set[int]] = {}
    for reviewer, plan in pairs:
        existing.setdefault(reviewer, set()).add(plan)
    allocation = allocate(plans, k, existing=existing, seed=data.draw(st.integers(0, 1000)))
    check_rules(plans, k, allocation, existing)
    assert sorted(loads(plans, allocation).values(), reverse=True) == evenest(plans, k, existing)

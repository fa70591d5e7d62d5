"""Who reviews which plan: a fair random allocation, as Moodle Workshop's random allocator makes.

Every author of a submitted plan reviews up to ``k`` plans they did not write, and the reviews are
spread over the plans as evenly as the co-author groups allow. Calling ``allocate`` again with
what was allocated before (late submitters) only adds reviews: nobody loses a plan they may have
started reviewing.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping


def allocate(plans: Mapping[int, frozenset[int]], k: int, existing: Mapping[int, set[int]] | None = None,
             seed: int | None = None) -> dict[int, list[int]]:
    """``{reviewer's user id: [plan ids to review]}`` for the submitted ``plans`` (``{plan id: its
    authors' user ids}``); the same for the same arguments and ``seed``.

    **The rules**, always kept by the pairs this adds:

    - every author of a submitted plan is a reviewer (a key of the result, with ``[]`` when there is
      nothing they may review);
    - nobody reviews a plan they co-authored, nor the same plan twice;
    - a reviewer who may review ``e`` plans (the submitted plans they did not co-author) ends with
      ``min(k, e)`` of them, or with what ``existing`` gave them if that is more;
    - ``existing`` (``{reviewer: plan ids}``, a former result) is kept whole, pairs with plans no longer
      submitted or with a plan the reviewer has joined since included: only pairs are added. A kept
      pair counts towards its reviewer's ``min(k, e)`` when it is one the rules allow.

    A late plan is reviewed only by reviewers who still have room (late submitters, or those with
    fewer than ``k``): reviewers who already have ``k`` are not given more.

    **The guarantee on the spread.** Write ``L(p)`` for the number of reviewers of plan ``p``. Among
    all allocations that keep ``existing`` and give each reviewer as many plans as this one does,
    the loads are *decreasingly minimal*: no review can be moved, by any chain of reviewers swapping
    a plan, from a plan ``p`` to a plan ``q`` with ``L(p) ≥ L(q) + 2``. The search below stops only
    when no such chain exists, and for allocations (whose load vectors form an M-convex set: sums
    of one ``min(k, e)``-subset per reviewer) this is the same as being evenest in every sense at once
    (Frank & Murota, "Discrete decreasing minimization", 2019): the largest load is the smallest
    possible, the smallest load the largest possible, and the sum of the squared loads the least.

    In the usual case, every learner the author of one plan and no ``existing``, with ``N``
    reviewers, ``P`` plans, ``m = min(k, P − 1)`` and ``c(p) = N − |authors of p|`` (who may review
    ``p``), this is exactly: everyone reviews ``m`` plans, and there is a number ``t`` such that
    every plan with ``c(p) ≤ t`` is reviewed by all ``c(p)`` people who may, and every other plan by
    ``t`` or ``t + 1``. Proof: a reviewer may review the ``P − 1`` plans but their own, so a set ``S``
    of plans can get at most ``Σ_r min(m, |S| − [r wrote a plan of S])`` reviews, which is
    ``Σ_{p∈S} c(p)`` when ``|S| ≤ m`` (and that is ``≤ N·m``) and ``N·m`` otherwise (and then
    ``Σ c(p) ≥ N·m``): the possible loads are all the whole ``0 ≤ L(p) ≤ c(p)`` with
    ``Σ L = N·m``, whose evenest are these "water fillings". So loads differ by at most one except
    where a group is so large that too few people are left to review its plan: one cooperative of
    10 and two single learners with ``k = 2`` gives 2 reviews to the cooperative's plan and 11 to
    each learner's, and nothing evener is possible. When ``P ≥ k + 1`` every plan gets at least
    ``k`` reviews: ``c(p) ≥ P − 1 ≥ k``, so if ``t < k`` no plan is capped, all loads are
    ``≤ t + 1 ≤ k`` and ``N·k = Σ L ≤ P·k ≤ N·k`` forces every load to be ``k``.
    """
    if k < 0:
        raise ValueError("k must not be negative")
    rng = random.Random(seed)
    kept = {reviewer: set(found) for reviewer, found in (existing or {}).items()}
    plan_ids = sorted(plans)
    rng.shuffle(plan_ids)  # the order ties are broken in
    reviewers = sorted({author for authors in plans.values() for author in authors})
    rng.shuffle(reviewers)
    load = {plan: 0 for plan in plan_ids}
    for found in kept.values():
        for plan in found:
            if plan in load:
                load[plan] += 1

    candidates: dict[int, list[int]] = {}
    quota: dict[int, int] = {}
    for reviewer in reviewers:
        allowed = [plan for plan in plan_ids if reviewer not in plans[plan]]
        already = kept.get(reviewer, set())
        quota[reviewer] = max(0, min(k, len(allowed)) - len(already.intersection(allowed)))
        candidates[reviewer] = [plan for plan in allowed if plan not in already]
        rng.shuffle(candidates[reviewer])

    # A first allocation: each reviewer, in a random order, takes the least reviewed plans they may.
    new: dict[int, set[int]] = {reviewer: set() for reviewer in reviewers}
    reviewed_by: dict[int, set[int]] = {plan: set() for plan in plan_ids}
    for reviewer in reviewers:
        order = {plan: index for index, plan in enumerate(candidates[reviewer])}
        for plan in sorted(candidates[reviewer], key=lambda p: (load[p], order[p]))[:quota[reviewer]]:
            new[reviewer].add(plan)
            reviewed_by[plan].add(reviewer)
            load[plan] += 1

    # Then even it out: move a review from a plan to one with at least 2 fewer along a chain of
    # reviewers each swapping a plan, while there is such a chain. Each move lowers Σ load², so this ends.
    rank = {reviewer: index for index, reviewer in enumerate(reviewers)}
    while load:
        least = min(load.values())
        for source in sorted(plan_ids, key=lambda p: -load[p]):
            if load[source] < least + 2:
                return _result(reviewers, kept, new)
            chain = _chain(source, load, new, reviewed_by, candidates, rank)
            if chain:
                for plan_from, reviewer, plan_to in chain:
                    new[reviewer].remove(plan_from)
                    new[reviewer].add(plan_to)
                    reviewed_by[plan_from].remove(reviewer)
                    reviewed_by[plan_to].add(reviewer)
                load[source] -= 1
                load[chain[0][2]] += 1
                break
        else:
            break
    return _result(reviewers, kept, new)


def _chain(source: int, load: Mapping[int, int], new: Mapping[int, set[int]], reviewed_by: Mapping[int, set[int]],
           candidates: Mapping[int, list[int]], rank: Mapping[int, int]) -> list[tuple[int, int, int]]:
    """The shortest chain of moves ``(from plan, reviewer, to plan)`` taking a review off ``source``
    and onto a plan with at least 2 fewer, applied from the last; ``[]`` when there is none.

    Breadth first over plans; each reviewer is expanded once, so each appears once in the chain and
    the moves do not interfere. Only pairs this call added move: ``existing`` ones stay.
    """
    came_from: dict[int, tuple[int, int] | None] = {source: None}
    expanded: set[int] = set()
    queue = deque([source])
    while queue:
        plan = queue.popleft()
        for reviewer in sorted(reviewed_by[plan], key=rank.__getitem__):
            if reviewer in expanded:
                continue
            expanded.add(reviewer)
            for other in candidates[reviewer]:
                if other in came_from or other in new[reviewer]:
                    continue
                came_from[other] = (plan, reviewer)
                if load[other] <= load[source] - 2:
                    chain: list[tuple[int, int, int]] = []
                    at = other
                    while (step := came_from[at]) is not None:
                        chain.append((step[0], step[1], at))
                        at = step[0]
                    return chain
                queue.append(other)
    return []


def _result(reviewers: list[int], kept: Mapping[int, set[int]], new: Mapping[int, set[int]]) -> dict[int, list[int]]:
    found = {reviewer: sorted(plans) for reviewer, plans in kept.items()}
    for reviewer in sorted(reviewers):
        found[reviewer] = sorted(kept.get(reviewer, set()) | new[reviewer])
    return dict(sorted(found.items()))

import numpy as np
import pytest
import scipy.sparse as sp

from graphrec.data.interactions import Interactions
from graphrec.recommend.community import CommunityBlend, CommunityPopularity

from .conftest import FixedBase


def _friends_data():
    # users 0-3: community 0 (items 0, 1, 2); users 4-7: community 1 (items 2, 3, 4);
    # item 2 is chosen by 3 members of c0 and 1 of c1. Users 8 and 9 are new (no
    # training items); user 8's friends are 4, 5, 6 (community 1) and user 9 (new);
    # user 9 has no friend with a community.
    m = np.zeros((10, 5), np.float32)
    m[0:4, 0] = m[0:4, 1] = 1
    m[0:3, 2] = 1
    m[4:8, 3] = m[4:8, 4] = 1
    m[4, 2] = 1
    edges = [(8, 4), (8, 5), (8, 6), (8, 9)]
    g = np.zeros((10, 10), np.float32)
    for a, b in edges:
        g[a, b] = g[b, a] = 1
    data = Interactions(sp.csr_array(m), np.arange(10), np.arange(5), user_graph=sp.csr_array(g))
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1, -1])
    return data, labels


def test_friends_assign_the_friends_community():
    data, labels = _friends_data()
    revealed = sp.csr_array(np.array([[0, 0, 1, 0, 0], [0, 0, 1, 0, 0]], np.float32))
    users = np.array([8, 9])
    by_items = CommunityPopularity(communities=labels, min_size=1).fit(data)
    assert by_items.assign_users_to(revealed, users).tolist() == [0, 0]  # item 2: c0
    friends = CommunityPopularity(communities=labels, min_size=1, assign_by="friends").fit(data)
    # user 8: all friends with a community are in c1; user 9: no such friend -> items
    assert friends.assign_users_to(revealed, users).tolist() == [1, 0]
    both = CommunityPopularity(communities=labels, min_size=1, assign_by="friends+items")
    assert both.fit(data).assign_users_to(revealed, users).tolist() == [1, 0]
    # the lists follow: user 8 gets community 1's favourites
    items, _ = friends.recommend(users, k=2, user_items=revealed)
    assert items[0].tolist() == [3, 4] and items[1].tolist() == [0, 1]


def test_friends_and_items_weigh_both():
    data, labels = _friends_data()
    # user 8 reveals items 0 and 1 (only c0 chose them): one friend vote share (c1) vs
    # the full item affinity (c0) tie at 1; the lower label wins
    revealed = sp.csr_array(np.array([[1, 1, 0, 0, 0]], np.float32))
    both = CommunityPopularity(communities=labels, min_size=1, assign_by="friends+items")
    assert both.fit(data).assign_users_to(revealed, [8]).tolist() == [0]
    # friends alone follow the friends, whatever the items
    friends = CommunityPopularity(communities=labels, min_size=1, assign_by="friends").fit(data)
    assert friends.assign_users_to(revealed, [8]).tolist() == [1]


def test_friends_need_users_and_a_friend_graph():
    data, labels = _friends_data()
    rec = CommunityBlend(
        base=FixedBase(np.eye(5)), communities=labels, min_size=1, assign_by="friends"
    ).fit(data)
    rows = sp.csr_array(np.array([[0, 0, 1, 0, 0]], np.float32))
    with pytest.raises(ValueError, match="needs users= beside user_items="):
        rec.score(user_items=rows)
    assert rec.recommend([8], k=2, user_items=rows)[0].shape == (1, 2)
    plain = Interactions(data.matrix, data.user_ids, data.item_ids)
    with pytest.raises(ValueError, match="user_graph"):
        CommunityPopularity(communities=labels, assign_by="friends").fit(plain)
    with pytest.raises(ValueError, match="assign_by must be one of"):
        CommunityPopularity(communities=labels, assign_by="friend").fit(data)

import hashlib

import pandas as pd

from csops_lib.privacy import mask_customer_id, mask_phone, mask_pii


def test_mask_phone_keeps_prefix_and_last_four():
    s = pd.Series(["13812345678", "+86 139-0000-1234", None, "12"])
    out = mask_phone(s)
    assert out.iloc[0] == "138****5678"
    assert out.iloc[1] == "861****1234"
    assert pd.isna(out.iloc[2])
    assert out.iloc[3] == "***"


def test_mask_pii_drops_address_and_masks_names():
    df = pd.DataFrame({"customer_name": ["张三丰"], "phone": ["13812345678"],
                       "address": ["上海市 上海市 浦东新区 xx路1号"], "customer_id": ["tb_88123"]})
    out = mask_pii(df)
    assert "address" not in out
    assert out.loc[0, "customer_name"] == "张**"
    assert out.loc[0, "customer_id"].startswith("tb***3\u00b7")  # + a short stable hash
    assert "13812345678" not in out.to_csv()
    assert df.loc[0, "phone"] == "13812345678"  # input untouched


def test_mask_text_digits_names_addresses_and_known_strings():
    from csops_lib.privacy import mask_text, order_pii

    assert mask_text("电话 138-1234-5678 谢谢") == "电话 138******78 谢谢"
    assert mask_text("订单号 260123456789012") == "订单号 260**********12"
    assert mask_text("我叫张伟，西湖区文三路") == "我叫***，***"
    known = order_pii(pd.DataFrame({"customer_name": ["欧阳锋", None, "x"],
                                    "address": ["广东省 深圳市 南山区 科技园1栋", None, None]}))
    assert "x" not in known  # one character: too short to blank safely
    assert mask_text("欧阳锋问：科技园1栋能送吗", known) == "***问：***能送吗"
    assert mask_text("") == "" and mask_text("发货了吗", known) == "发货了吗"


def test_mask_customer_id_keeps_ends_adds_a_stable_hash_and_never_collides():
    digest = hashlib.blake2b(b"tb_88123", digest_size=16, person=b"csops-mask").hexdigest()
    s = pd.Series(["tb_88123", None, "tb_88123", "ab"])
    out = mask_customer_id(s)
    assert out.iloc[0] == f"tb***3\u00b7{digest[:3]}" == out.iloc[2]  # same nick, same mask
    assert pd.isna(out.iloc[1])
    assert out.iloc[3].startswith("a***\u00b7") and "ab" not in out.iloc[3]  # short: less shown
    # the old mask (first two and last character) put these 400 nicks under 10 masks
    nicks = pd.Series([f"tb_{i:04d}{i % 10}" for i in range(400)])
    masked = mask_customer_id(nicks)
    assert nicks.str.slice(0, 2).add("***").add(nicks.str.slice(-1)).nunique() == 10
    assert masked.nunique() == 400                        # never two customers under one mask
    assert masked.str.fullmatch(r"tb\*\*\*\d\u00b7[0-9a-f]{3,}").all()
    # stable: alone or among 400, a customer's mask is the same (at most lengthened)
    assert masked.iloc[5].startswith(mask_customer_id(nicks.iloc[[5]]).iloc[0])
    for nick in nicks:
        assert nick not in set(masked)


def test_mask_customer_id_lengthens_the_hash_when_two_masks_would_clash():
    # find two nicks whose 3-character masks clash (same ends, same first 3 hex characters)
    seen, pair = {}, None
    for i in range(100_000):
        nick = f"tb_{i}x"
        key = hashlib.blake2b(nick.encode(), digest_size=16, person=b"csops-mask").hexdigest()[:3]
        if key in seen:
            pair = [seen[key], nick]
            break
        seen[key] = nick
    assert pair is not None
    out = mask_customer_id(pd.Series(pair))
    assert out.nunique() == 2 and all(len(m) > len("tb***x\u00b7abc") for m in out)


def test_python_whitespace_list_is_every_isspace_character():
    from csops_lib.privacy import PY_WHITESPACE
    assert PY_WHITESPACE == "".join(chr(i) for i in range(0x110000) if chr(i).isspace())


def _order_pii_by_python(orders: pd.DataFrame) -> frozenset:
    """The rules of order_pii written out per address with Python's own str methods."""
    import re
    out = set()
    for col in ("customer_name", "phone"):
        if col in orders.columns:
            out.update(orders[col].dropna().astype(str))
    for a in orders["address"].dropna().astype(str):
        out.update((a, a.replace(" ", "")))
        parts = a.split()
        if len(parts) > 3:
            detail = " ".join(parts[3:])
            out.add(detail)
            street = re.match(r"[\u4e00-\u9fa5]{2,}", detail)
            if street:
                out.add(street.group(0))
    return frozenset(s.strip() for s in out if len(s.strip()) >= 2)


def test_order_pii_equals_the_per_address_python_rules():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from csops_lib.privacy import order_pii
    pieces = st.sampled_from(["浙江省", "杭州市", "西湖区", "文三路88号", "3栋", "A座", "x",
                              "", "北京", "世纪大道100号"])
    spaces = st.sampled_from([" ", "  ", "\u3000", "\t", "\xa0", "\x1c", "\n", ""])
    address = st.lists(st.tuples(spaces, pieces), max_size=7).map(
        lambda ps: "".join(s + p for s, p in ps))

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.one_of(st.none(), address), min_size=1, max_size=8),
           st.lists(st.one_of(st.none(), pieces, spaces), min_size=1, max_size=8))
    def check(addresses, names):
        n = min(len(addresses), len(names))
        orders = pd.DataFrame({"address": addresses[:n], "customer_name": names[:n],
                               "phone": ["13800000000 "] * n})
        assert order_pii(orders) == _order_pii_by_python(orders)
    check()

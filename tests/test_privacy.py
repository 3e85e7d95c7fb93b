import pandas as pd

from csops_lib.privacy import mask_phone, mask_pii


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
    assert out.loc[0, "customer_id"] == "tb***3"
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

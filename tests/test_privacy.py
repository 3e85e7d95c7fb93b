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

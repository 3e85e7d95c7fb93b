"""Shop parameters: defaults, file, overrides, unknown keys, CLI key=value parsing."""
import pytest
import yaml

from csops_lib.settings.shop import (
    DEFAULTS,
    ParamError,
    default_path,
    load_shop_params,
    parse_overrides,
    resolve_params,
)

EXPECTED_DEFAULTS = {
    "slow_gap_s": 120, "slow_times": 3, "long_wait_s": 1200, "concurrency_window_s": 120,
    "followup_days": 3, "after_sales_lookback_days": 15, "sla_answer_s": 180,
    "sla_hours": [8, 24], "platform_hours": [8, 23], "platform_cap_s": 600,
    "chase_per_agent": 20,
}


def test_builtin_defaults_match_metrics_md(tmp_path):
    # a file that does not exist at the default place: built-in defaults (explicit path must exist)
    p = resolve_params({})
    for key, value in EXPECTED_DEFAULTS.items():
        assert p[key] == value, key
    with pytest.raises(FileNotFoundError):
        load_shop_params(tmp_path / "missing.yaml")


def test_shipped_shop_yaml_has_every_threshold_with_its_default():
    data = yaml.safe_load(default_path().read_text(encoding="utf-8"))
    for key, value in EXPECTED_DEFAULTS.items():
        assert data[key] == value, key
    assert set(data) <= set(DEFAULTS)
    # every key line carries a comment
    lines = [ln for ln in default_path().read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    assert all("#" in ln for ln in lines)
    assert load_shop_params() == {**DEFAULTS, **data}


def test_file_then_keyword_overrides(tmp_path):
    f = tmp_path / "shop.yaml"
    f.write_text("slow_gap_s: 90\nsla_hours: [9, 24]\n", encoding="utf-8")
    p = load_shop_params(f)
    assert p["slow_gap_s"] == 90 and p["sla_hours"] == [9, 24] and p["slow_times"] == 3
    p = load_shop_params(f, slow_gap_s=60, followup_days=7)
    assert p["slow_gap_s"] == 60 and p["followup_days"] == 7
    # a params dict plus per-call overrides (what metric functions do)
    assert resolve_params({"slow_gap_s": 30}, long_wait_s=100)["slow_gap_s"] == 30
    assert resolve_params({"slow_gap_s": 30}, long_wait_s=100)["long_wait_s"] == 100


def test_unknown_keys_are_errors_listing_known_keys(tmp_path):
    with pytest.raises(ParamError, match="slow_gapp_s.*known keys: slow_gap_s"):
        load_shop_params(slow_gapp_s=1)
    f = tmp_path / "shop.yaml"
    f.write_text("typo_key: 1\n", encoding="utf-8")
    with pytest.raises(ParamError, match="typo_key"):
        load_shop_params(f)
    with pytest.raises(ParamError, match="sla_hours"):
        load_shop_params(sla_hours=[20, 8])
    with pytest.raises(ParamError, match="slow_gap_s"):
        load_shop_params(slow_gap_s="fast")


def test_parse_overrides_types_values_as_yaml():
    assert parse_overrides(["slow_gap_s=90"]) == {"slow_gap_s": 90}
    got = parse_overrides(["a=0.5", "b=true", "c=[8, 24]", "d=null", "e=text", "f=2026-W47",
                           "g=x=y"])
    assert got == {"a": 0.5, "b": True, "c": [8, 24], "d": None, "e": "text", "f": "2026-W47",
                   "g": "x=y"}
    with pytest.raises(ParamError):
        parse_overrides(["novalue"])


def test_chase_per_agent_is_a_whole_number_of_at_least_one():
    assert load_shop_params(chase_per_agent=5)["chase_per_agent"] == 5
    for bad in (0, -1, True, "many", 2.5):
        with pytest.raises(ParamError, match="chase_per_agent"):
            load_shop_params(chase_per_agent=bad)

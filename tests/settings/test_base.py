"""The settings base: one error format, the file then the overrides, the callbacks model."""
from typing import ClassVar

import pytest
from pydantic import Field

from csops_lib.settings.base import Settings, SettingsError
from csops_lib.settings.callbacks import CallbackSettings
from csops_lib.settings.shop import ParamError, ShopSettings


class Demo(Settings):
    FILE: ClassVar[str | None] = None
    top: int = Field(5, gt=0, description="rows shown")


def test_defaults_docs_and_overrides(tmp_path):
    assert Demo.defaults() == {"top": 5} and Demo.docs() == {"top": (5, "rows shown")}
    f = tmp_path / "demo.yaml"
    f.write_text("top: 7\n", encoding="utf-8")
    assert Demo.load(path=f).top == 7
    assert Demo.load({"top": 9}, path=f).top == 9


def test_errors_are_one_line_naming_where_and_which(tmp_path):
    f = tmp_path / "demo.yaml"
    f.write_text("top: -1\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        Demo.load(path=f)
    assert str(err.value) == f"{f}: top: Input should be greater than 0 (got -1)"
    with pytest.raises(SettingsError, match=r"^cli: unknown setting 'tpo'; known keys: top$"):
        Demo.load({"tpo": 1}, where="cli")
    f.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="must be a mapping"):
        Demo.load(path=f)


def test_shop_errors_are_settings_errors():
    assert issubclass(ParamError, SettingsError) and ShopSettings.ERROR is ParamError
    with pytest.raises(SettingsError) as err:
        ShopSettings.validate_values({"platform_hours": [8, 25]}, "overrides")
    assert "\n" not in str(err.value)
    assert str(err.value) == ("overrides: platform_hours: must be [from_hour, to_hour] with "
                              "0 <= from < to <= 24 (got [8, 25])")
    with pytest.raises(ParamError, match="slow_times"):
        ShopSettings.validate_values({"slow_times": True}, "overrides")


def test_callback_settings_match_the_shipped_file():
    assert CallbackSettings.defaults() == {"lag_days": 4, "calls_per_agent": 3, "seed": 0}
    assert CallbackSettings.load().as_dict() == {**CallbackSettings.defaults(),
                                                 **CallbackSettings.from_file()}
    with pytest.raises(SettingsError, match="lag_days"):
        CallbackSettings.load({"lag_days": -1}, where="callbacks")
